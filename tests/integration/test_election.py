"""The election of the one process that projects (infrastructure/election.py), and the projection
worker's part in it, on real SQLite files and real processes."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.persistence import OperationalError

from infrastructure import projection_worker
from infrastructure.composition import Nareis, build
from infrastructure.election import (
    ELECTION_NAME,
    AdvisoryLockLeadership,
    AlwaysLeads,
    FileLockLeadership,
    advisory_lock_key,
    election_for,
)
from infrastructure.projection_worker import catch_up_despite_conflicts, is_write_conflict
from infrastructure.settings import ConfigurationError, Settings
from tests.integration.conftest import FixedClock, record_granted_member

DEADLINE_SECONDS = 10.0


def until(condition: Callable[[], object], timeout: float = DEADLINE_SECONDS) -> bool:
    """Poll `condition` until it holds, for at most `timeout` seconds; whether it held."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


# --- the election ---------------------------------------------------------------------------------


def test_a_sqlite_database_elects_with_a_lock_file_next_to_it(tmp_path: Path) -> None:
    election = election_for(f"sqlite:///{tmp_path}/nareis.db")
    assert isinstance(election, FileLockLeadership)
    assert election.lock_path == tmp_path / "nareis.db.projections.lock"


def test_every_process_on_a_memory_database_leads_for_it_has_the_database_to_itself() -> None:
    first, second = election_for("memory://"), election_for("memory://")
    assert isinstance(first, AlwaysLeads)
    assert first.try_lead()
    assert second.try_lead()


def test_a_postgresql_database_elects_with_an_advisory_lock_named_for_the_projections() -> None:
    election = election_for("postgresql://nareis:secret@127.0.0.1:5432/nareis")
    assert isinstance(election, AdvisoryLockLeadership)
    assert election.key == advisory_lock_key(ELECTION_NAME)
    # One constant for every process and every version: a signed 64-bit PostgreSQL bigint.
    assert advisory_lock_key("nareis-projections") == advisory_lock_key(ELECTION_NAME)
    assert -(2**63) <= election.key < 2**63


def test_an_unknown_database_url_has_no_election() -> None:
    with pytest.raises(ConfigurationError):
        election_for("mysql://db")


def test_a_second_candidate_follows_until_the_leader_releases(database_url: str) -> None:
    leader, candidate = election_for(database_url), election_for(database_url)
    assert leader.try_lead()
    assert leader.try_lead(), "a leader keeps leading"
    assert not candidate.try_lead()
    leader.release()
    assert candidate.try_lead()
    assert not leader.try_lead()
    candidate.release()


def test_a_process_killed_while_it_leads_leaves_the_lead_to_the_next(database_url: str) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time;"
            "from infrastructure.election import election_for;"
            f"leader = election_for({database_url!r}); assert leader.try_lead();"
            "print('leading', flush=True); time.sleep(600)",
        ],
        stdout=subprocess.PIPE,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == b"leading\n"
        candidate = election_for(database_url)
        assert not candidate.try_lead()
        holder.kill()  # SIGKILL: no chance to release; the kernel (or server) drops the lock
        holder.wait(timeout=10)
        assert until(candidate.try_lead)
        candidate.release()
    finally:
        holder.kill()
        holder.wait(timeout=10)


# --- the worker's part ----------------------------------------------------------------------------


@pytest.fixture
def system(database_url: str) -> Iterator[Nareis]:
    running = build(
        Settings(database_url=database_url, projection_poll_seconds=0.05),
        clock=FixedClock(),
    )
    yield running
    running.close()


def _tracked(system: Nareis) -> int:
    return system.read_model.view.max_tracking_id(system.application.name) or 0


def test_a_following_worker_writes_nothing_and_catches_up_once_it_is_elected(
    system: Nareis, database_url: str
) -> None:
    record_granted_member(system.application)
    other_process = election_for(database_url)
    assert other_process.try_lead()
    system.start_projections()
    worker = system.worker
    assert worker is not None
    assert until(lambda: worker.leading is False)
    worker.poke()
    assert _tracked(system) == 0

    other_process.release()
    assert until(lambda: worker.leading is True)
    last = system.application.recorder.max_notification_id()
    assert until(lambda: _tracked(system) == last)


def test_a_batch_that_another_process_wrote_in_the_way_of_is_tried_again(
    system: Nareis, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    record_granted_member(system.application)
    conflict = _busy_snapshot(tmp_path / "other.db")
    assert is_write_conflict(conflict)
    real_catch_up, calls = projection_worker.catch_up, []

    def conflicting_twice(*args: Any, **kwargs: Any) -> int:
        calls.append(1)
        if len(calls) <= 2:
            raise conflict
        return real_catch_up(*args, **kwargs)

    monkeypatch.setattr(projection_worker, "catch_up", conflicting_twice)
    applied = catch_up_despite_conflicts(system.application, system.read_model)
    assert len(calls) == 3
    projected = system.application.recorder.select_notifications(
        start=0, limit=1000, topics=system.read_model.topics
    )
    assert applied == len(projected)
    assert _tracked(system) == projected[-1].id


def test_other_database_errors_are_not_taken_for_a_conflict_and_are_not_retried(
    tmp_path: Path,
) -> None:
    error = OperationalError("disk I/O error")
    error.__cause__ = sqlite3.OperationalError("disk I/O error")
    assert not is_write_conflict(error)
    assert is_write_conflict(_busy_snapshot(tmp_path / "other.db"))


def _busy_snapshot(path: Path) -> OperationalError:
    writer = sqlite3.connect(path, isolation_level=None)
    reader = sqlite3.connect(path, isolation_level=None)
    try:
        writer.execute("PRAGMA journal_mode=WAL")
        writer.execute("CREATE TABLE t (x)")
        reader.execute("BEGIN")
        reader.execute("SELECT * FROM t").fetchall()
        writer.execute("INSERT INTO t VALUES (1)")
        try:
            reader.execute("INSERT INTO t VALUES (2)")
        except sqlite3.OperationalError as refused:
            error = OperationalError(str(refused))
            error.__cause__ = refused
            return error
        raise AssertionError("SQLite let a stale read transaction write")
    finally:
        reader.close()
        writer.close()
