"""`nareis project` as a separate process: killed mid-way, restarted, nothing missed or doubled."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from application.projections import ReadModelProjection, catch_up
from application.seeding import CaseGenerator
from tests.integration.conftest import open_system, sql_rows, tracking_table

NAREIS = Path(sys.executable).parent / "nareis"


def tracked_position(database_url: str) -> int:
    rows = sql_rows(
        database_url,
        f"SELECT notification_id FROM {tracking_table(database_url)} "
        "WHERE application_name = 'Nareis'",
    )
    return rows[0][0] if rows else 0


def test_a_killed_projection_process_resumes_without_missing_or_repeating_an_event(
    database_url: str,
):
    system = open_system(database_url)
    cases = list(CaseGenerator(seed=5, today=date(2026, 11, 28)).cases(600))
    for start in range(0, len(cases), 100):
        system.application.save(*cases[start : start + 100])
    last = system.application.recorder.max_notification_id()
    system.close()

    env = {**os.environ, "NAREIS_DATABASE_URL": database_url}
    projector = subprocess.Popen(
        [NAREIS, "project", "--batch-size", "20"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while tracked_position(database_url) < last // 3:
        assert time.monotonic() < deadline, "the projection process made no progress"
        time.sleep(0.01)
    projector.send_signal(signal.SIGKILL)
    projector.wait(timeout=10)
    killed_at = tracked_position(database_url)
    assert 0 < killed_at < last, "the process was not killed mid-way"

    resumed = subprocess.run(
        [NAREIS, "project", "--once"], env=env, capture_output=True, text=True, timeout=120
    )
    assert resumed.returncode == 0, resumed.stderr
    assert tracked_position(database_url) == last

    system = open_system(database_url)
    scratch = system.scratch_read_model()
    catch_up(system.application, ReadModelProjection(scratch))
    assert system.read_model.view.dump() == scratch.dump()
    system.close()


def test_the_rebuild_command_gives_the_same_read_model(database_url: str):
    system = open_system(database_url)
    cases = list(CaseGenerator(seed=6, today=date(2026, 11, 28)).cases(150))
    system.application.save(*cases)
    system.catch_up()
    before = system.read_model.view.dump()
    system.close()
    env = {**os.environ, "NAREIS_DATABASE_URL": database_url}
    rebuilt = subprocess.run(
        [NAREIS, "rebuild"], env=env, capture_output=True, text=True, timeout=120
    )
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "events/s" in rebuilt.stderr
    system = open_system(database_url)
    assert system.read_model.view.dump() == before
    system.close()
