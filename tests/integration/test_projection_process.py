"""`nareis project` as a separate process: killed mid-way, restarted, nothing missed or doubled."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from application.projections import ReadModelProjection, catch_up
from application.seeding import CaseGenerator
from tests.integration.conftest import open_system

NAREIS = Path(sys.executable).parent / "nareis"


def tracked_position(db: Path) -> int:
    with sqlite3.connect(db) as raw:
        row = raw.execute(
            "SELECT notification_id FROM tracking WHERE application_name = 'Nareis'"
        ).fetchone()
    return row[0] if row else 0


def test_a_killed_projection_process_resumes_without_missing_or_repeating_an_event(db_path: Path):
    system = open_system(db_path)
    cases = list(CaseGenerator(seed=5, today=date(2026, 11, 28)).cases(600))
    for start in range(0, len(cases), 100):
        system.application.save(*cases[start : start + 100])
    last = system.application.recorder.max_notification_id()
    system.close()

    env = {**os.environ, "NAREIS_DATABASE_URL": f"sqlite:///{db_path}"}
    projector = subprocess.Popen(
        [NAREIS, "project", "--batch-size", "20"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while tracked_position(db_path) < last // 3:
        assert time.monotonic() < deadline, "the projection process made no progress"
        time.sleep(0.01)
    projector.send_signal(signal.SIGKILL)
    projector.wait(timeout=10)
    killed_at = tracked_position(db_path)
    assert 0 < killed_at < last, "the process was not killed mid-way"

    resumed = subprocess.run(
        [NAREIS, "project", "--once"], env=env, capture_output=True, text=True, timeout=120
    )
    assert resumed.returncode == 0, resumed.stderr
    assert tracked_position(db_path) == last

    system = open_system(db_path)
    scratch = system.scratch_read_model()
    catch_up(system.application, ReadModelProjection(scratch))
    assert system.read_model.view.dump() == scratch.dump()
    system.close()


def test_the_rebuild_command_gives_the_same_read_model(db_path: Path):
    system = open_system(db_path)
    cases = list(CaseGenerator(seed=6, today=date(2026, 11, 28)).cases(150))
    system.application.save(*cases)
    system.catch_up()
    before = system.read_model.view.dump()
    system.close()
    env = {**os.environ, "NAREIS_DATABASE_URL": f"sqlite:///{db_path}"}
    rebuilt = subprocess.run(
        [NAREIS, "rebuild"], env=env, capture_output=True, text=True, timeout=120
    )
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "events/s" in rebuilt.stderr
    system = open_system(db_path)
    assert system.read_model.view.dump() == before
    system.close()
