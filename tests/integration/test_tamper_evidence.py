"""Tamper evidence: every kind of change to the stored events, made directly in the database as
someone with SQL access would, is found by the hash chain, naming the case and the version."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import IntegrityError

from application.commands import OpenCase, ReceiveDocument, RecordArrival, RegisterMember
from infrastructure.chain_verification import verify_chain
from infrastructure.composition import Nareis, build, open_event_store
from infrastructure.event_chain import ChainBroken, ChainKeyMismatch, EventChain
from infrastructure.migration import copy_store
from infrastructure.settings import Settings
from tests.integration.conftest import (
    CTX,
    D,
    FixedClock,
    a_partner,
    a_sponsor,
    events_table,
    granted_member_case,
    new_database_url,
    notification_id_column,
    sql_rows,
)

NAREIS = Path(sys.executable).parent / "nareis"
KEY = bytes(range(32))
KEY_TEXT = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="  # base64 of KEY
LAST = 11  # the versions of a granted member's case: opened 1 ... permit issued 11


def altered(state: bytes) -> bytes:
    """The stored bytes with one changed: the personal fields are sealed under the case's key (and
    the whole may be encrypted), so no name can be searched for in them."""
    middle = len(state) // 2
    return state[:middle] + bytes([state[middle] ^ 0x01]) + state[middle + 1 :]


def system(database_url: str, key: bytes | None = None) -> Nareis:
    return build(Settings(database_url=database_url, chain_key=key), clock=FixedClock())


def recorded_case(database_url: str, key: bytes | None = None) -> str:
    """A case with versions 1 to 11 (and the permit index's aggregates), its system closed."""
    return recorded_case_and_member(database_url, key)[0]


def recorded_case_and_member(database_url: str, key: bytes | None = None) -> tuple[str, str]:
    nareis = system(database_url, key)
    case_id, member_id = granted_member_case(nareis, member_v_number="2000000001")
    nareis.close()
    return case_id, member_id


def findings(database_url: str, key: bytes | None = None) -> list[str]:
    nareis = system(database_url, key)
    try:
        recorder = nareis.application.recorder
        return [f.line() for f in verify_chain(recorder, recorder.chain).findings]  # type: ignore[arg-type]
    finally:
        nareis.close()


def named(lines: list[str], case_id: str, version: int) -> list[str]:
    return [line for line in lines if line.startswith(f"case {case_id} version {version}:")]


def stored(case_id: str) -> str:
    """A case id as a query compares it on either store (32 hex digits)."""
    return UUID(case_id).hex


def event_row(url: str, case_id: str, version: int) -> tuple[str, bytes]:
    [(topic, state)] = sql_rows(
        url,
        f"SELECT topic, state FROM {events_table(url)} "
        "WHERE originator_id = ? AND originator_version = ?",
        (stored(case_id), version),
    )
    return topic, bytes(state)


def set_event(url: str, case_id: str, version: int, topic: str, state: bytes) -> None:
    sql_rows(
        url,
        f"UPDATE {events_table(url)} SET topic = ?, state = ? "
        "WHERE originator_id = ? AND originator_version = ?",
        (topic, state, stored(case_id), version),
    )


def delete_from(url: str, table: str, case_id: str, version: int | None = None) -> None:
    where, params = "originator_id = ?", (stored(case_id),)
    if version is not None:
        where, params = where + " AND originator_version = ?", (*params, version)
    sql_rows(url, f"DELETE FROM {table} WHERE {where}", params)


def run_verify(url: str, key_text: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NAREIS_DATABASE_URL": url, "COLUMNS": "200"}
    env.pop("NAREIS_CHAIN_KEY", None)
    if key_text is not None:
        env["NAREIS_CHAIN_KEY"] = key_text
    return subprocess.run([NAREIS, "verify"], env=env, capture_output=True, text=True, timeout=120)


# --- a clean store --------------------------------------------------------------------------


def test_a_clean_database_verifies_and_nareis_verify_exits_0_with_progress(database_url: str):
    recorded_case(database_url, KEY)
    result = run_verify(database_url, KEY_TEXT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("verified: 16 events along their chains")
    assert "16/16 events" in result.stderr and "1/1 cases" in result.stderr
    assert "unkeyed" not in result.stderr


def test_without_a_key_nareis_verify_says_the_chain_is_unkeyed(database_url: str):
    recorded_case(database_url)
    result = run_verify(database_url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "the chain is unkeyed" in result.stderr


def test_many_commands_in_a_row_keep_a_valid_chain_and_the_head_follows(database_url: str):
    nareis = system(database_url)
    case_id, member_id = granted_member_case(nareis)
    for _ in range(60):  # past a snapshot (every 50 versions)
        nareis.application.execute(
            ReceiveDocument(case_id, member_id, D("2026-04-01"), "other", True), CTX
        )
    nareis.close()
    assert findings(database_url) == []
    [(head,)] = sql_rows(
        database_url,
        "SELECT originator_version FROM event_chain_heads WHERE originator_id = ?",
        (stored(case_id),),
    )
    assert head == LAST + 60
    [(hashes,)] = sql_rows(database_url, "SELECT COUNT(*) FROM event_hashes")
    [(events,)] = sql_rows(database_url, f"SELECT COUNT(*) FROM {events_table(database_url)}")
    assert hashes == events


def test_verifying_while_commands_are_recorded_finds_nothing(database_url: str):
    writer, verifier = system(database_url), system(database_url)
    case_id, member_id = granted_member_case(writer)
    stop, recorded = threading.Event(), itertools.count()

    def record() -> None:
        while not stop.is_set():
            n = next(recorded)
            writer.application.execute(
                ReceiveDocument(case_id, member_id, D("2026-04-01"), "other", True), CTX
            )
            if n % 3 == 0:  # new cases too, so that chains start during a walk
                writer.application.execute(OpenCase(a_sponsor(str(1_100_000_000 + n))), CTX)

    thread = threading.Thread(target=record)
    thread.start()
    recorder: Any = verifier.application.recorder
    reports = []
    try:
        while len(reports) < 4 or reports[-1].events < reports[0].events + 20:
            reports.append(verify_chain(recorder, recorder.chain, batch=7))
            assert len(reports) < 200
    finally:
        stop.set()
        thread.join()
    writer.close()
    verifier.close()
    assert [r.findings for r in reports] == [[]] * len(reports)


# --- each kind of tampering -----------------------------------------------------------------


def test_an_altered_event_is_named_by_case_and_version_and_nareis_verify_exits_1(
    database_url: str,
):
    case_id = recorded_case(database_url, KEY)
    topic, state = event_row(database_url, case_id, 3)
    set_event(database_url, case_id, 3, topic, altered(state))
    result = run_verify(database_url, KEY_TEXT)
    assert result.returncode == 1
    assert f"case {case_id} version 3: altered" in result.stdout


def test_an_event_removed_from_the_middle_is_found(database_url: str):
    case_id = recorded_case(database_url)
    delete_from(database_url, events_table(database_url), case_id, 5)
    found = findings(database_url)
    assert named(found, case_id, 5) == [
        f"case {case_id} version 5: removed (later versions are stored)"
    ]


def test_the_last_event_removed_with_its_hash_row_is_found_by_the_head(database_url: str):
    case_id = recorded_case(database_url)
    delete_from(database_url, events_table(database_url), case_id, LAST)
    delete_from(database_url, "event_hashes", case_id, LAST)
    [line] = [line for line in findings(database_url) if case_id in line]
    assert line == f"case {case_id} version {LAST}: removed (the head names version {LAST})"


def test_the_last_event_removed_and_the_head_rebuilt_from_the_hash_rows_is_found(
    database_url: str,
):
    case_id = recorded_case(database_url)
    [(previous,)] = sql_rows(
        database_url,
        "SELECT hash FROM event_hashes WHERE originator_id = ? AND originator_version = ?",
        (stored(case_id), LAST - 1),
    )
    delete_from(database_url, events_table(database_url), case_id, LAST)
    delete_from(database_url, "event_hashes", case_id, LAST)
    sql_rows(
        database_url,
        "UPDATE event_chain_heads SET originator_version = ?, hash = ? WHERE originator_id = ?",
        (LAST - 1, previous, stored(case_id)),
    )
    assert any("head was altered" in line for line in named(findings(database_url), case_id, 10))


def test_the_last_event_removed_with_its_hash_row_and_head_is_found(database_url: str):
    case_id = recorded_case(database_url)
    delete_from(database_url, events_table(database_url), case_id, LAST)
    delete_from(database_url, "event_hashes", case_id, LAST)
    delete_from(database_url, "event_chain_heads", case_id)
    found = findings(database_url)
    assert any("head (last version and hash) was removed" in line for line in found)
    assert len(found) == 1


def test_two_events_swapped_are_both_named(database_url: str):
    case_id = recorded_case(database_url)
    fifth, tenth = event_row(database_url, case_id, 5), event_row(database_url, case_id, 10)
    set_event(database_url, case_id, 5, *tenth)
    set_event(database_url, case_id, 10, *fifth)
    found = findings(database_url)
    assert named(found, case_id, 5) and named(found, case_id, 10)
    assert len(found) == 2


def test_an_event_moved_to_another_version_is_found(database_url: str):
    # Reordering by renumbering: the decision (10) becomes version 12, after the permit.
    case_id = recorded_case(database_url)
    sql_rows(
        database_url,
        f"UPDATE {events_table(database_url)} SET originator_version = 12 "
        "WHERE originator_id = ? AND originator_version = 10",
        (stored(case_id),),
    )
    found = findings(database_url)
    assert named(found, case_id, 10) and named(found, case_id, 12)


def test_an_event_appended_after_the_last_is_found(database_url: str):
    case_id = recorded_case(database_url)
    topic, state = event_row(database_url, case_id, 6)
    sql_rows(
        database_url,
        f"INSERT INTO {events_table(database_url)} (originator_id, originator_version, topic, "
        "state) VALUES (?, ?, ?, ?)",
        (stored(case_id), LAST + 1, topic, state),
    )
    found = named(findings(database_url), case_id, LAST + 1)
    assert any("inserted" in line for line in found)


def test_an_event_inserted_in_the_middle_is_found(database_url: str):
    case_id = recorded_case(database_url)
    topic, state = event_row(database_url, case_id, 6)
    table = events_table(database_url)
    for version in range(LAST, 6, -1):  # make room: 7..11 become 8..12
        sql_rows(
            database_url,
            f"UPDATE {table} SET originator_version = ? WHERE originator_id = ? "
            "AND originator_version = ?",
            (version + 1, stored(case_id), version),
        )
    sql_rows(
        database_url,
        f"INSERT INTO {table} (originator_id, originator_version, topic, state) "
        "VALUES (?, 7, ?, ?)",
        (stored(case_id), topic, state),
    )
    assert named(findings(database_url), case_id, 7)


def test_an_altered_hash_row_is_found(database_url: str):
    case_id = recorded_case(database_url)
    sql_rows(
        database_url,
        "UPDATE event_hashes SET hash = ? WHERE originator_id = ? AND originator_version = 4",
        ("ab" * 32, stored(case_id)),
    )
    [line] = findings(database_url)
    assert line.startswith(f"case {case_id} version 4: altered")


def test_a_removed_hash_row_is_found(database_url: str):
    case_id = recorded_case(database_url)
    delete_from(database_url, "event_hashes", case_id, 4)
    [line] = findings(database_url)
    assert (
        line
        == f"case {case_id} version 4: inserted, or its hash row was removed: it is not chained"
    )


def test_a_whole_case_removed_with_its_chain_is_found_by_the_log_count(database_url: str):
    case_id = recorded_case(database_url)
    for table in (events_table(database_url), "event_hashes", "event_chain_heads"):
        delete_from(database_url, table, case_id)
    [line] = findings(database_url)
    assert line.startswith("the event log: 4 cases and other aggregates have had a chain, 3 are")


def test_a_case_whose_events_were_removed_but_not_its_hashes_is_named(database_url: str):
    case_id = recorded_case(database_url)
    delete_from(database_url, events_table(database_url), case_id)
    found = findings(database_url)
    assert f"aggregate {case_id}: every event removed (its chain names versions up to 11)" in found


def test_an_event_slipped_in_before_the_chain_started_is_found_by_the_log_count(
    database_url: str,
):
    case_id = recorded_case(database_url)
    topic, state = event_row(database_url, case_id, 1)
    sql_rows(
        database_url,
        f"INSERT INTO {events_table(database_url)} ({notification_id_column(database_url)}, "
        "originator_id, originator_version, topic, state) VALUES (?, ?, 1, ?, ?)",
        (-1, "4f1c2a57111142228333444455556666", topic, state),
    )
    found = findings(database_url)
    assert any("0 events were stored before the chain started, 1 are there now" in f for f in found)


def test_an_altered_log_record_is_found(database_url: str):
    recorded_case(database_url)
    sql_rows(database_url, "UPDATE event_chain_log SET legacy_last_position = 1000")
    found = findings(database_url)
    assert any("the chain's log record was altered" in line for line in found)


def test_a_removed_log_record_is_found_and_not_made_again(database_url: str):
    recorded_case(database_url)
    sql_rows(database_url, "DELETE FROM event_chain_log")
    assert findings(database_url) == [  # opening the system again made no new record
        "the event log: the chain's log record was removed: every event without a hash row "
        "is a finding"
    ]
    assert sql_rows(database_url, "SELECT COUNT(*) FROM event_chain_log") == [(0,)]


# --- the key --------------------------------------------------------------------------------


def recompute_chain_from(database_url: str, case_id: str, version: int, chain: EventChain) -> None:
    """What a forger does after changing an event: the hash rows from there and the head again."""
    [(previous,)] = sql_rows(
        database_url,
        "SELECT hash FROM event_hashes WHERE originator_id = ? AND originator_version = ?",
        (stored(case_id), version - 1),
    )
    for v in range(version, LAST + 1):
        topic, state = event_row(database_url, case_id, v)
        previous = chain.link(previous, stored(case_id), v, topic, state)
        sql_rows(
            database_url,
            "UPDATE event_hashes SET hash = ? WHERE originator_id = ? AND originator_version = ?",
            (previous, stored(case_id), v),
        )
    sql_rows(
        database_url,
        "UPDATE event_chain_heads SET hash = ?, seal = ? WHERE originator_id = ?",
        (previous, chain.seal_head(previous), stored(case_id)),
    )


def forge(database_url: str, case_id: str, chain: EventChain) -> None:
    topic, state = event_row(database_url, case_id, 3)
    set_event(database_url, case_id, 3, topic, altered(state))
    recompute_chain_from(database_url, case_id, 3, chain)


def test_a_forger_without_the_key_cannot_recompute_a_consistent_chain(database_url: str):
    case_id = recorded_case(database_url, KEY)
    forge(database_url, case_id, EventChain(b"a guess at the key".ljust(32, b"!")))
    found = findings(database_url, KEY)
    assert named(found, case_id, 3)


def test_without_a_key_a_forger_who_recomputes_the_chain_goes_unseen(database_url: str):
    # Why NAREIS_CHAIN_KEY matters: the unkeyed chain's key is published.
    case_id = recorded_case(database_url)
    forge(database_url, case_id, EventChain())
    assert findings(database_url) == []


def test_another_key_is_refused_at_start_and_by_nareis_verify(database_url: str):
    recorded_case(database_url, KEY)
    with pytest.raises(ChainKeyMismatch):
        system(database_url, None)
    result = run_verify(database_url, None)
    assert result.returncode == 1
    assert result.stdout.startswith("the event log: the event chain of this database was written")
    assert KEY_TEXT not in result.stdout + result.stderr


# --- writers --------------------------------------------------------------------------------


def chain_rows_match_events(database_url: str) -> bool:
    [(hashes,)] = sql_rows(database_url, "SELECT COUNT(*) FROM event_hashes")
    [(events,)] = sql_rows(database_url, f"SELECT COUNT(*) FROM {events_table(database_url)}")
    return hashes == events


def test_a_lost_race_rolls_back_its_hashes_with_its_events(database_url: str):
    one, two = system(database_url), system(database_url)
    case_id = one.application.execute(OpenCase(a_sponsor()), CTX).case_id
    member_id = one.application.execute(RegisterMember(case_id, a_partner()), CTX).member_id
    assert member_id is not None
    loser = two.application.repository.get(UUID(case_id))
    one.application.execute(RecordArrival(case_id, member_id, D("2026-03-01")), CTX)
    loser.receive_document(
        member_id, D("2026-03-01"), "other", True, actor="bob", today=D("2026-11-28")
    )
    with pytest.raises(IntegrityError):
        two.application.save(loser)
    one.close()
    two.close()
    assert chain_rows_match_events(database_url)
    assert findings(database_url) == []


WRITER = """
import sys
from application.commands import ReceiveDocument
from application.errors import ConcurrencyConflict
from tests.integration.conftest import CTX, D, open_system
url, case_id, member_id, commands = sys.argv[1:]
nareis = open_system(url)
recorded = 0
for _ in range(int(commands)):
    try:
        nareis.application.execute(
            ReceiveDocument(case_id, member_id, D("2026-04-01"), "other", True), CTX
        )
        recorded += 1
    except ConcurrencyConflict:
        pass
nareis.close()
print(recorded)
"""


def test_two_processes_writing_one_case_at_once_leave_a_valid_chain(database_url: str):
    nareis = system(database_url)
    case_id, member_id = granted_member_case(nareis)
    nareis.close()
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, database_url, case_id, member_id, "40"],
            cwd=Path(__file__).parents[2],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    recorded = [int(w.communicate(timeout=180)[0]) for w in writers]
    assert all(w.returncode == 0 for w in writers)
    assert findings(database_url) == []
    assert chain_rows_match_events(database_url)
    [(head,)] = sql_rows(
        database_url,
        "SELECT originator_version FROM event_chain_heads WHERE originator_id = ?",
        (stored(case_id),),
    )
    assert head == LAST + sum(recorded)


def test_events_written_before_tamper_evidence_are_reported_apart_and_the_chain_starts_after(
    database_url: str,
):
    case_id, member_id = recorded_case_and_member(database_url)
    for table in ("event_hashes", "event_chain_heads", "event_chain_log"):
        sql_rows(database_url, f"DROP TABLE {table}")  # as a database from before this change
    nareis = system(database_url)
    nareis.application.execute(RecordArrival(case_id, member_id, D("2026-04-02")), CTX)
    new_case = nareis.application.execute(OpenCase(a_sponsor("1000000002")), CTX).case_id
    recorder = nareis.application.recorder
    report = verify_chain(recorder, recorder.chain)  # type: ignore[arg-type]
    nareis.close()
    assert report.findings == []
    notes = [note.line() for note in report.unchained]
    assert f"case {case_id}: versions 1 to 11 not chained (written before tamper evidence)" in notes
    assert not any(new_case in note for note in notes)
    # The chain of the old case starts at its first event since: removing that one shows.
    delete_from(database_url, events_table(database_url), case_id, LAST + 1)
    assert named(findings(database_url), case_id, LAST + 1)


def test_a_command_on_a_case_whose_last_event_was_removed_is_refused_and_records_nothing(
    database_url: str,
):
    case_id, member_id = recorded_case_and_member(database_url)
    delete_from(database_url, events_table(database_url), case_id, LAST)
    delete_from(database_url, "event_hashes", case_id, LAST)
    nareis = system(database_url)
    with pytest.raises(ChainBroken):
        nareis.application.execute(RecordArrival(case_id, member_id, D("2026-04-02")), CTX)
    nareis.close()
    [(events,)] = sql_rows(
        database_url,
        f"SELECT COUNT(*) FROM {events_table(database_url)} WHERE originator_id = ?",
        (stored(case_id),),
    )
    assert events == LAST - 1


def test_a_command_after_the_head_was_altered_is_refused_by_the_process_that_wrote_it_last(
    database_url: str,
):
    nareis = system(database_url)
    case_id, member_id = granted_member_case(nareis)  # this process remembers the case's head
    sql_rows(
        database_url,
        "UPDATE event_chain_heads SET hash = ? WHERE originator_id = ?",
        ("cd" * 32, stored(case_id)),
    )
    with pytest.raises(ChainBroken):
        nareis.application.execute(RecordArrival(case_id, member_id, D("2026-04-02")), CTX)
    nareis.close()
    assert named(findings(database_url), case_id, LAST)


def test_a_store_copied_by_migrate_store_verifies_with_the_targets_key(
    database_url: str, tmp_path: Path, request: pytest.FixtureRequest
):
    recorded_case(database_url)
    target_url = new_database_url("sqlite", tmp_path / "target", request)
    (tmp_path / "target").mkdir()
    source = open_event_store(Settings(database_url=database_url))
    target = open_event_store(Settings(database_url=target_url, chain_key=KEY))
    copy_store(source.recorder, target.recorder, lambda *_: None)  # type: ignore[arg-type]
    source.close()
    target.close()
    assert findings(target_url, KEY) == []
