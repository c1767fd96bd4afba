"""`nareis migrate-store`: an office on the embedded SQLite file moves to another store (each
store as target) with every event and idempotency key, and the read model projected there."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from uuid import UUID

import pytest

from application.commands import OpenCase, ReceiveDocument
from application.seeding import CaseGenerator
from application.service import CommandContext
from tests.integration.conftest import (
    CTX,
    D,
    a_sponsor,
    events_table,
    granted_member_case,
    notification_id_column,
    open_system,
    sql_rows,
)

NAREIS = Path(sys.executable).parent / "nareis"


def migrate(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run(
        [NAREIS, "migrate-store", *args], env=env, capture_output=True, text=True, timeout=300
    )


@pytest.fixture
def source_url(tmp_path: Path) -> str:
    """A SQLite office: generated cases, a granted member, a command sent with a key."""
    url = f"sqlite:///{tmp_path / 'office.db'}"
    system = open_system(url)
    system.application.save_new_cases(*CaseGenerator(seed=3, today=date(2026, 11, 28)).cases(60))
    case_id, member_id = granted_member_case(system, member_v_number="2000000001")
    keyed = CommandContext("alice", idempotency_key="doc-1")
    system.application.execute(
        ReceiveDocument(case_id, member_id, D("2026-03-01"), "other", True), keyed
    )
    system.catch_up()
    system.close()
    return url


def test_every_event_and_key_moves_and_the_target_serves_the_same_read_model(
    source_url: str, database_url: str
):
    moved = migrate("--from", source_url, "--to", database_url, "--verify")
    assert moved.returncode == 0, moved.stderr
    assert "verified" in moved.stdout
    assert "copying events" in moved.stderr and "events/s" in moved.stderr

    def event_log(url: str) -> list[tuple]:
        rows = sql_rows(
            url,
            f"SELECT originator_id, originator_version, topic, state FROM {events_table(url)} "
            f"ORDER BY {notification_id_column(url)}",
        )
        return [(UUID(str(i)), v, t, bytes(s)) for i, v, t, s in rows]

    assert event_log(database_url) == event_log(source_url)  # in the same order
    source, target = open_system(source_url), open_system(database_url)
    assert target.read_model.view.dump() == source.read_model.view.dump()
    source.close()
    target.close()


def test_a_key_sent_before_the_move_answers_its_first_answer_after_it(
    source_url: str, database_url: str
):
    assert migrate("--from", source_url, "--to", database_url).returncode == 0
    target = open_system(database_url)
    [(case_id,)] = sql_rows(database_url, "SELECT case_id FROM rm_sponsors WHERE name = 'Amal'")
    member_id = target.application.get_case(case_id).facts.members[0].member_id
    version = target.application.get_case(case_id).version
    again = target.application.execute(
        ReceiveDocument(case_id, member_id, D("2026-03-01"), "other", True),
        CommandContext("alice", idempotency_key="doc-1"),
    )
    assert again.version == version  # the first answer: recorded before the move, not again
    assert target.application.get_case(case_id).version == version
    target.close()


def test_a_target_that_holds_events_is_refused_and_left_as_it_was(
    source_url: str, database_url: str
):
    other = open_system(database_url)
    other.application.execute(OpenCase(a_sponsor("1000000099")), CTX)
    other.close()
    events = sql_rows(database_url, f"SELECT COUNT(*) FROM {events_table(database_url)}")
    refused = migrate("--from", source_url, "--to", database_url)
    assert refused.returncode == 2
    assert "already holds events" in refused.stderr and "Traceback" not in refused.stderr
    assert sql_rows(database_url, f"SELECT COUNT(*) FROM {events_table(database_url)}") == events


def test_a_missing_source_file_is_one_line_and_no_file_is_made(tmp_path: Path, database_url: str):
    missing = tmp_path / "nowhere.db"
    refused = migrate("--from", f"sqlite:///{missing}", "--to", database_url)
    assert refused.returncode == 2
    assert "no such database file" in refused.stderr and "Traceback" not in refused.stderr
    assert not missing.exists()


def test_no_password_of_a_database_url_is_printed(source_url: str, database_url: str):
    other = open_system(database_url)
    other.application.execute(OpenCase(a_sponsor("1000000099")), CTX)
    other.close()
    refused = migrate("--from", source_url, "--to", database_url)
    password = database_url.partition("://")[2].partition("@")[0].partition(":")[2]
    assert refused.returncode == 2
    if password:  # a PostgreSQL URL
        assert password not in refused.stderr and ":***@" in refused.stderr
