"""`nareis replay --verify` and `nareis history`, run as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from application.commands import (
    OpenCase,
    ReceiveDocument,
    RecordArrival,
    RecordAssessment,
    RegisterMember,
)
from application.service import CommandContext
from application.verification import verify
from domain.typed_text import untyped_kind
from infrastructure.composition import Nareis
from tests.integration.conftest import (
    CTX,
    D,
    a_partner,
    a_sponsor,
    events_table,
    granted_member_case,
    open_system,
    sql_rows,
)

NAREIS = Path(sys.executable).parent / "nareis"


def run(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NAREIS_DATABASE_URL": database_url, "COLUMNS": "400"}
    return subprocess.run([NAREIS, *args], env=env, capture_output=True, text=True, timeout=120)


def prepared(database_url: str) -> str:
    system = open_system(database_url)
    case_id, member_id = granted_member_case(system, member_v_number="2000000001")
    # Enough events for snapshots (every 50 versions) to exist.
    for _ in range(45):
        system.application.execute(
            ReceiveDocument(case_id, member_id, D("2026-04-01"), "other", True), CTX
        )
    system.application.execute(RecordArrival(case_id, member_id, D("2026-04-02")), CTX)
    system.application.execute(
        RecordArrival(case_id, member_id, D("2026-04-03"), correction_reason="border stamp"), CTX
    )
    system.catch_up()
    system.close()
    return case_id


def verified(nareis: Nareis) -> list:
    return verify(
        nareis.application,
        nareis.read_model.view,
        nareis.scratch_read_model(),
        D("2026-11-28"),
    )


def test_a_clean_database_verifies_with_no_differences(database_url: str):
    prepared(database_url)
    result = run(database_url, "replay", "--verify")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "verified" in result.stdout
    assert "1/1" in result.stderr  # the progress bar counted the case


def test_an_altered_view_row_is_found_and_the_command_fails(database_url: str):
    prepared(database_url)
    sql_rows(
        database_url,
        "UPDATE rm_member_states SET issued_on = '2027-01-01' WHERE issued_on IS NOT NULL",
    )
    result = run(database_url, "replay", "--verify")
    assert result.returncode == 1
    assert "rm_member_states" in result.stdout and "2027-01-01" in result.stdout


def test_an_altered_snapshot_is_found(database_url: str):
    case_id = prepared(database_url)
    [(state,)] = sql_rows(
        database_url, f"SELECT state FROM {events_table(database_url, 'snapshots_v2')}"
    )
    # A date, which is stored as it is (a name is sealed under the case's key).
    altered = bytes(state).replace(b'"2026-02-27"', b'"2026-02-26"')
    assert altered != bytes(state)
    sql_rows(
        database_url,
        f"UPDATE {events_table(database_url, 'snapshots_v2')} SET state = ?",
        (altered,),
    )
    system = open_system(database_url)
    differences = verified(system)
    system.close()
    views = {d.view for d in differences}
    assert "snapshot" in views and "case" in views
    assert any(d.key.startswith(case_id) for d in differences)


def test_the_history_command_prints_a_table_and_json_lines_with_corrections(database_url: str):
    case_id = prepared(database_url)
    table = run(database_url, "history", case_id)
    assert table.returncode == 0, table.stderr
    assert "FamilyMemberArrivalCorrected" in table.stdout and "border stamp" in table.stdout
    lines = run(database_url, "history", case_id, "--json").stdout.splitlines()
    entries = [json.loads(line) for line in lines]
    assert [e["version"] for e in entries] == list(range(1, len(entries) + 1))
    correction = entries[-1]
    assert correction["changes"] == {
        "old": {"arrived_on": "2026-04-02"},
        "new": {"arrived_on": "2026-04-03"},
    }
    assert correction["reason"] == "border stamp" and correction["actor"] == "alice"
    assert correction["recorded_at"].endswith("Z")


def test_the_history_command_takes_known_at_and_reports_unknown_cases(database_url: str):
    case_id = prepared(database_url)
    early = run(database_url, "history", case_id, "--json", "--known-at", "2000-01-01T00:00:00Z")
    assert early.returncode == 1 and "no case" in early.stderr.lower()
    bad = run(database_url, "history", case_id, "--known-at", "yesterday")
    assert bad.returncode == 2 and "RFC 3339" in bad.stderr


# Text recorded before the API refused such characters: an ANSI sequence that clears the screen
# and retitles the terminal, a C1 CSI, a bidi override and rich markup. (A lone surrogate cannot be
# stored: the store writes UTF-8.)
HOSTILE_NAME = "Amal\x1b[2J\x1b]0;pwned\x07 [bold red]B[/]\u202eevil\x9b31m"
HOSTILE_ACTOR = "mallory\x1b[31m"


def hostile_case(database_url: str) -> str:
    system = open_system(database_url)
    app, ctx = system.application, CommandContext(HOSTILE_ACTOR)
    sponsor = a_sponsor()
    case_id = app.execute(OpenCase(type(sponsor)(**{**vars(sponsor), "name": HOSTILE_NAME})), ctx)
    member_id = app.execute(RegisterMember(case_id.case_id, a_partner()), ctx).member_id
    assert member_id is not None
    note = "seen\x1b[8m hidden\u2066"
    app.execute(
        RecordAssessment(
            case_id.case_id, member_id, D("2026-02-27"), "identity_established", "met", note
        ),
        ctx,
    )
    system.close()
    return case_id.case_id


def test_the_history_table_shows_escape_sequences_and_markup_from_the_store_as_text(
    database_url: str,
):
    case_id = hostile_case(database_url)
    table = run(database_url, "history", case_id)
    assert table.returncode == 0, table.stderr
    assert not [c for c in table.stdout if untyped_kind(c) and c != "\n"], table.stdout
    for escaped in ("\\x1b[2J", "\\x07", "\\u202e", "\\x9b31m", "\\u2066"):
        assert escaped in table.stdout, (escaped, table.stdout)
    assert "[bold red]B[/]" in table.stdout  # shown as typed, not read as markup
    assert "mallory\\x1b[31m" in table.stdout


def test_history_json_lines_escape_those_characters_and_read_back_as_recorded(database_url: str):
    case_id = hostile_case(database_url)
    result = run(database_url, "history", case_id, "--json")
    assert result.returncode == 0, result.stderr
    assert not [c for c in result.stdout if untyped_kind(c) and c != "\n"], result.stdout
    entries = [json.loads(line) for line in result.stdout.splitlines()]
    assert entries[0]["data"]["name"] == HOSTILE_NAME
    assert {entry["actor"] for entry in entries} == {HOSTILE_ACTOR}
