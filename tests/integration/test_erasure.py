"""Erasure by crypto-shredding (`Case.erase`, `NareisApplication.erase`, `nareis erase`), on each
store, with and without a master key: the case's views are gone (410 `case-erased`, with when, by
whom and why), its history keeps every other fact, the reports still count it, `replay --verify`
passes, and nothing of its personal data can be read from the database, with the master key in
hand or without it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from base64 import b64decode, b64encode
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from application.commands import (
    CorrectSponsorDetails,
    ExtendDecisionPeriod,
    GrantSponsorPermit,
    IssuePermit,
    OpenCase,
    ReceiveDocument,
    RecordAssessment,
    RegisterMember,
    SubmitApplication,
    TakeDecision,
    Withdraw,
)
from application.errors import CaseNotErasable
from application.projections import CaseListFilter
from application.seeding import CaseGenerator
from application.verification import verify
from domain.errors import BlankText, CaseErased, ForbiddenCharacter
from domain.facts import MemberDetails, Sponsor
from infrastructure.composition import Nareis, build
from infrastructure.keyring import MasterKey, StoreKeys, WrongKey
from infrastructure.settings import Settings
from tests.integration.conftest import CTX, FULL_FILE, D, FixedClock, events_table, sql_rows
from tests.integration.test_upcasting import load_v1_case
from tests.stores import everything_stored, found_in, is_sqlite

NAREIS = Path(sys.executable).parent / "nareis"
KEY = os.urandom(32)
SPONSOR_NAME, SPONSOR_V = "Mariam Yohannes-Tesfay", "3141592653"
MEMBER_NAME, MEMBER_V = "Dawit Yohannes-Tesfay", "3141592654"
CHILD_NAME = "Selam Yohannes-Tesfay"
NOTE, WITHDRAWAL, EXTENSION = "seen her passport at the embassy", "stays with an aunt", "file lost"
PERSONAL = (SPONSOR_NAME, SPONSOR_V, MEMBER_NAME, MEMBER_V, CHILD_NAME, NOTE, WITHDRAWAL, EXTENSION)
REASON = "retention period ended on 2031-01-01"


@pytest.fixture(params=["key", "no key"])
def master_key(request: pytest.FixtureRequest) -> bytes | None:
    """Erasure works the same in a store with a master key and in one without."""
    return KEY if request.param == "key" else None


def open_with(database_url: str, key: bytes | None) -> Nareis:
    return build(Settings(database_url=database_url, encryption_key=key), clock=FixedClock())


def a_sponsor() -> Sponsor:
    return Sponsor(
        SPONSOR_V, SPONSOR_NAME, D("1988-03-14"), D("2025-06-02"), D("2025-05-28"), False
    )


def record_a_family(nareis: Nareis, extra_documents: int = 45) -> tuple[str, str, str]:
    """A sponsor (corrected once), a partner with a V-number and a dependent permit, a child
    withdrawn, notes and reasons; with `extra_documents`, enough events for a snapshot."""
    app = nareis.application
    case_id = app.execute(OpenCase(a_sponsor()), CTX).case_id
    corrected = Sponsor(
        SPONSOR_V, SPONSOR_NAME, D("1988-03-15"), D("2025-06-02"), D("2025-05-28"), False
    )
    app.execute(CorrectSponsorDetails(case_id, corrected, correction_reason="birth date typo"), CTX)
    app.execute(GrantSponsorPermit(case_id, D("2025-11-30"), "independent"), CTX)
    partner = MemberDetails(
        MEMBER_NAME,
        D("1987-09-01"),
        "partner",
        True,
        True,
        v_number=MEMBER_V,
        marital_status="married",
    )
    member_id = app.execute(RegisterMember(case_id, partner), CTX).member_id
    child = MemberDetails(
        CHILD_NAME,
        D("2015-05-05"),
        "child",
        True,
        True,
        child_of="sponsor",
        child_kind="biological",
    )
    child_id = app.execute(RegisterMember(case_id, child), CTX).member_id
    assert member_id is not None and child_id is not None
    app.execute(SubmitApplication(case_id, member_id, D("2026-02-27"), "mvv_abroad"), CTX)
    app.execute(SubmitApplication(case_id, child_id, D("2026-02-27"), "mvv_abroad"), CTX)
    app.execute(ExtendDecisionPeriod(case_id, child_id, D("2026-03-01"), EXTENSION), CTX)
    app.execute(Withdraw(case_id, child_id, D("2026-03-02"), WITHDRAWAL), CTX)
    for kind in FULL_FILE:
        app.execute(ReceiveDocument(case_id, member_id, D("2026-02-27"), kind, True), CTX)
    app.execute(
        RecordAssessment(case_id, member_id, D("2026-02-28"), "identity_established", "met", NOTE),
        CTX,
    )
    app.execute(TakeDecision(case_id, member_id, D("2026-03-10"), "granted", ()), CTX)
    app.execute(IssuePermit(case_id, member_id, D("2026-03-12"), D("2026-03-10")), CTX)
    for _ in range(extra_documents):
        app.execute(ReceiveDocument(case_id, member_id, D("2026-04-01"), "other", True), CTX)
    nareis.catch_up()
    return case_id, member_id, child_id


def test_after_erasure_the_case_its_deadline_and_its_eligibility_are_gone_saying_when_by_whom_and_why(
    database_url: str, master_key: bytes | None
):
    nareis = open_with(database_url, master_key)
    case_id, _, _ = record_a_family(nareis, extra_documents=0)
    before = nareis.application.history(case_id)[-1].recorded_at
    erased = nareis.application.erase(case_id, REASON, "olga")
    app = nareis.application
    for ask in (app.get_case, app.deadline, app.eligibility):
        with pytest.raises(CaseErased) as gone:
            ask(case_id)
        assert gone.value.code == "case-erased"
        assert gone.value.erasure.erased_by == "olga"
        assert gone.value.erasure.erasure_reason == REASON
        assert gone.value.erasure.erased_at > before
        with pytest.raises(
            CaseErased
        ):  # as known before the erasure: the data is gone all the same
            ask(case_id, known_at=before)
    assert erased.version == len(app.history(case_id))
    nareis.close()


def test_the_history_of_an_erased_case_keeps_every_other_fact_and_shows_the_personal_ones_erased(
    database_url: str, master_key: bytes | None
):
    nareis = open_with(database_url, master_key)
    case_id, member_id, child_id = record_a_family(nareis, extra_documents=0)
    kept = nareis.application.history(case_id)
    nareis.application.erase(case_id, REASON, "olga")
    nareis.close()
    reopened = open_with(database_url, master_key)  # no key in memory: what the store holds
    history = reopened.application.history(case_id)
    reopened.close()
    assert [(e.version, e.event, e.recorded_at, e.actor) for e in history[:-1]] == [
        (e.version, e.event, e.recorded_at, e.actor) for e in kept
    ]
    *facts, erasure = history
    assert (erasure.event, erasure.actor, erasure.data) == (
        "CaseErased",
        "olga",
        {"erasure_reason": REASON},
    )
    opened = facts[0]
    assert opened.erased == ("v_number", "name", "born_on")
    assert opened.data["name"] is None and opened.data["arrived_on"] == D("2025-05-28")
    correction = facts[1]
    assert correction.reason is None and correction.changes == {"old": {}, "new": {}}
    decision = next(e for e in facts if e.event == "DecisionTaken")
    assert decision.data["outcome"] == "granted" and decision.data["decided_on"] == D("2026-03-10")
    assessment = next(e for e in facts if e.event == "AssessmentRecorded")
    assert assessment.data["note"] is None and assessment.data["outcome"] == "met"
    child = next(
        e for e in facts if e.event == "FamilyMemberRegistered" and e.data["member_id"] == child_id
    )
    assert child.erased == ("name", "born_on")  # a child without a V-number had none to erase
    text = json.dumps([vars(e) for e in history], default=str)
    assert not any(secret in text for secret in PERSONAL)
    assert member_id in text


def test_a_command_on_an_erased_case_is_refused_as_erased_and_records_nothing(
    database_url: str, master_key: bytes | None
):
    nareis = open_with(database_url, master_key)
    case_id, member_id, _ = record_a_family(nareis, extra_documents=0)
    nareis.application.erase(case_id, REASON, "olga")
    events = sql_rows(database_url, f"SELECT COUNT(*) FROM {events_table(database_url)}")
    with pytest.raises(CaseErased):
        nareis.application.execute(
            ReceiveDocument(case_id, member_id, D("2026-04-01"), "other", True), CTX
        )
    with pytest.raises(CaseErased):
        nareis.application.erase(case_id, REASON, "olga")
    assert sql_rows(database_url, f"SELECT COUNT(*) FROM {events_table(database_url)}") == events
    nareis.close()


@pytest.mark.parametrize(
    ("reason", "refusal"), [("  ", BlankText), ("ended\x1b[31m", ForbiddenCharacter)]
)
def test_an_erasure_reason_is_text_a_person_typed(
    database_url: str, reason: str, refusal: type[Exception]
):
    nareis = open_with(database_url, KEY)
    case_id = nareis.application.execute(OpenCase(a_sponsor()), CTX).case_id
    with pytest.raises(refusal):
        nareis.application.erase(case_id, reason, "olga")
    assert nareis.application.get_case(case_id).facts.sponsor.name == SPONSOR_NAME
    nareis.close()


def test_the_reports_still_count_an_erased_case_and_list_it_without_a_name(
    database_url: str, master_key: bytes | None
):
    nareis = open_with(database_url, master_key)
    case_id, _, _ = record_a_family(nareis, extra_documents=0)
    app = nareis.application
    caseload, listing = (
        app.caseload(D("2026-04-01")),
        app.list_cases(CaseListFilter(), as_of=D("2026-04-01")),
    )
    app.erase(case_id, REASON, "olga")
    nareis.catch_up()
    assert app.caseload(D("2026-04-01")) == caseload
    after = app.list_cases(CaseListFilter(), as_of=D("2026-04-01"))
    assert after.report.counts == listing.report.counts
    [erased] = after.report.cases
    assert erased.sponsor_name is None and erased.status == listing.report.cases[0].status
    nareis.close()


def test_erasure_takes_the_cases_permit_holders_out_of_the_dependent_permit_index(
    database_url: str, master_key: bytes | None
):
    nareis = open_with(database_url, master_key)
    case_id, _, _ = record_a_family(nareis, extra_documents=0)
    app = nareis.application
    assert app.permit_index.holds_dependent_permit(MEMBER_V, D("2026-04-01"))
    app.erase(case_id, REASON, "olga")
    nareis.catch_up()
    assert not app.permit_index.holds_dependent_permit(MEMBER_V, D("2026-04-01"))
    assert not nareis.read_model.view.holds_dependent_permit(MEMBER_V, D("2026-04-01"))
    nareis.close()


def test_replay_verify_passes_after_an_erasure_snapshots_included(
    database_url: str, master_key: bytes | None
):
    nareis = open_with(database_url, master_key)
    case_id, _, _ = record_a_family(nareis)
    other_id, _, _ = record_a_family(nareis, extra_documents=0)
    nareis.application.erase(case_id, REASON, "olga")
    nareis.catch_up()
    nareis.close()
    reopened = open_with(database_url, master_key)
    app = reopened.application
    assert (
        verify(app, reopened.read_model.view, reopened.scratch_read_model(), D("2026-11-28")) == []
    )
    assert app.get_case(other_id).facts.sponsor.name == SPONSOR_NAME
    reopened.close()


def test_an_erasure_that_falls_on_a_snapshot_is_snapshotted_without_personal_data(
    database_url: str, master_key: bytes | None
):
    nareis = open_with(database_url, master_key)
    case_id, _, _ = record_a_family(nareis, extra_documents=32)
    assert nareis.application.erase(case_id, REASON, "olga").version == 50
    snapshots = events_table(database_url, "snapshots_v2")
    query = f"SELECT originator_version FROM {snapshots} WHERE originator_id = ?"
    assert (50,) in sql_rows(database_url, query, (_id(database_url, case_id),))
    nareis.catch_up()
    nareis.close()
    reopened = open_with(database_url, master_key)
    app = reopened.application
    assert (
        verify(app, reopened.read_model.view, reopened.scratch_read_model(), D("2026-11-28")) == []
    )
    with pytest.raises(CaseErased):
        app.get_case(case_id)
    reopened.close()


def test_another_process_that_had_the_case_in_memory_answers_it_erased(
    database_url: str, master_key: bytes | None
):
    reader, eraser = open_with(database_url, master_key), open_with(database_url, master_key)
    case_id, _, _ = record_a_family(reader, extra_documents=0)
    assert reader.application.get_case(case_id).facts.sponsor.name == SPONSOR_NAME
    assert reader.application.history(case_id)[0].data["name"] == SPONSOR_NAME
    eraser.application.erase(case_id, REASON, "olga")
    with pytest.raises(CaseErased):
        reader.application.get_case(case_id)
    text = json.dumps([vars(e) for e in reader.application.history(case_id)], default=str)
    assert not any(secret in text for secret in PERSONAL)
    reader.close()
    eraser.close()


def test_cases_saved_in_bulk_get_keys_of_their_own_and_can_be_erased(
    database_url: str, master_key: bytes | None
):
    nareis = open_with(database_url, master_key)
    cases = list(CaseGenerator(seed=5, today=D("2026-11-28")).cases(20))
    nareis.application.save_new_cases(*cases)
    keys = sql_rows(database_url, "SELECT COUNT(*) FROM nareis_keys WHERE name LIKE ?", ("case/%",))
    assert keys == [(20,)]
    erased = str(cases[0].id)
    nareis.application.erase(erased, REASON, "olga")
    nareis.catch_up()
    with pytest.raises(CaseErased):
        nareis.application.get_case(erased)
    assert nareis.application.get_case(str(cases[1].id)).version == cases[1].version
    assert (
        verify(
            nareis.application, nareis.read_model.view, nareis.scratch_read_model(), D("2026-11-28")
        )
        == []
    )
    nareis.close()


# --- what is left in the database ----------------------------------------------------------------


def recoverable(database_url: str, master: bytes | None, case_id: str) -> str:
    """Everything of a case's stored events and snapshots that the holder of `master` (or, in a
    store without one, anyone) can read: every key of the key table unwrapped, the library's
    cipher undone, every sealed value opened with every key there is."""
    rows = sql_rows(
        database_url, "SELECT name, wrapped_by, key FROM nareis_keys WHERE key IS NOT NULL"
    )
    keys = {
        name: _unwrapped(master, name, wrapped_by, bytes(key)) for name, wrapped_by, key in rows
    }
    store = keys.pop("store", None)
    cipher = StoreKeys(store).events_cipher() if store else None
    found = []
    for purpose in ("events", "snapshots_v2"):
        table = events_table(database_url, purpose)
        for (state,) in sql_rows(
            database_url,
            f"SELECT state FROM {table} WHERE originator_id = ?",
            (_id(database_url, case_id),),
        ):
            plain = cipher.decrypt(bytes(state)) if cipher else bytes(state)
            found.append(_opened(json.loads(plain), [k for k in keys.values() if k], case_id))
    return json.dumps(found)


def _id(database_url: str, case_id: str) -> Any:
    return UUID(case_id).hex if is_sqlite(database_url) else UUID(case_id)


def _unwrapped(master: bytes | None, name: str, wrapped_by: str, key: bytes) -> bytes | None:
    if wrapped_by == "clear":
        return key
    try:
        return MasterKey(master).unwrap(name, key) if master else None
    except WrongKey:
        return None


def _opened(node: Any, keys: list[bytes], case_id: str, field: str = "") -> Any:
    if isinstance(node, dict):
        if node.get("_type_") == "nareis.sealed":
            raw = b64decode(node["_data_"])
            for key in keys:
                try:
                    return json.loads(
                        AESGCM(key).decrypt(raw[:12], raw[12:], f"{case_id}:{field}".encode())
                    )
                except Exception:
                    continue
            return "unreadable"
        return {k: _opened(v, keys, case_id, k) for k, v in node.items()}
    if isinstance(node, list):
        return [_opened(v, keys, case_id, field) for v in node]
    return node


def test_an_erased_cases_personal_data_cannot_be_read_from_the_database_even_with_the_master_key(
    database_url: str, master_key: bytes | None
):
    nareis = open_with(database_url, master_key)
    case_id, _, _ = record_a_family(nareis)
    readable = recoverable(database_url, master_key, case_id)
    assert all(secret in readable for secret in PERSONAL)  # the attack works before erasure
    [(wrapped,)] = sql_rows(
        database_url, "SELECT key FROM nareis_keys WHERE name = ?", (f"case/{case_id}",)
    )
    kept_names = [
        n
        for (n,) in sql_rows(
            database_url, "SELECT name FROM rm_members WHERE case_id = ?", (case_id,)
        )
    ]
    nareis.application.erase(case_id, REASON, "olga")
    nareis.catch_up()
    readable = recoverable(database_url, master_key, case_id)
    assert not any(secret in readable for secret in PERSONAL)
    assert sql_rows(
        database_url, "SELECT key FROM nareis_keys WHERE name = ?", (f"case/{case_id}",)
    ) == [(None,)]
    assert (
        sql_rows(
            database_url,
            "SELECT name, v_number FROM rm_members WHERE case_id = ? "
            "AND (name IS NOT NULL OR v_number IS NOT NULL)",
            (case_id,),
        )
        == []
    )
    stored = everything_stored(database_url)  # on SQLite: the file's free space and its WAL too
    assert not found_in(stored, bytes(wrapped).hex()) and bytes(wrapped) not in stored
    assert not any(found_in(stored, name) for name in kept_names)
    if master_key is not None:
        assert not any(found_in(stored, secret) for secret in PERSONAL)
        assert case_id not in _index_events(database_url, master_key)
    nareis.close()


def _index_events(database_url: str, master: bytes) -> str:
    """Every event of the dependent-permit indexes, decrypted with the master key."""
    [(store,)] = sql_rows(database_url, "SELECT key FROM nareis_keys WHERE name = 'store'")
    cipher = StoreKeys(MasterKey(master).unwrap("store", bytes(store))).events_cipher()
    rows = sql_rows(
        database_url,
        f"SELECT state FROM {events_table(database_url)} WHERE topic LIKE ?",
        ("domain.permit_index:%",),
    )
    return "\n".join(cipher.decrypt(bytes(state)).decode() for (state,) in rows)


# --- cases and databases from before keys per case --------------------------------------------


def test_a_case_recorded_before_keys_per_case_reads_as_before_and_its_erasure_is_refused(
    database_url: str,
):
    nareis = open_with(database_url, None)
    case_id = load_v1_case(nareis)
    assert nareis.application.get_case(case_id).facts.sponsor.name == "Amal"
    with pytest.raises(CaseNotErasable, match="versions 1, 2"):
        nareis.application.erase(case_id, REASON, "olga")
    assert nareis.application.get_case(case_id).facts.sponsor.name == "Amal"
    nareis.close()


def test_a_database_from_before_the_key_table_opens_and_reads_its_events(database_url: str):
    nareis = open_with(database_url, None)
    case_id = load_v1_case(nareis)
    nareis.close()
    sql_rows(database_url, "DROP TABLE nareis_keys")  # as a database of the previous version
    reopened = open_with(database_url, None)
    assert reopened.application.get_case(case_id).facts.sponsor.name == "Amal"
    new_case = reopened.application.execute(OpenCase(a_sponsor()), CTX).case_id
    assert reopened.application.history(new_case)[0].data["name"] == SPONSOR_NAME
    reopened.close()


# --- the command ---------------------------------------------------------------------------------


def run(database_url: str, *args: str, key: bytes | None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NAREIS_DATABASE_URL": database_url, "COLUMNS": "200"}
    if key is not None:
        env["NAREIS_ENCRYPTION_KEY"] = b64encode(key).decode()
    return subprocess.run([NAREIS, *args], env=env, capture_output=True, text=True, timeout=120)


def test_nareis_erase_records_who_when_and_why_and_the_history_shows_it(
    database_url: str, master_key: bytes | None
):
    nareis = open_with(database_url, master_key)
    case_id, _, _ = record_a_family(nareis, extra_documents=0)
    nareis.close()
    erased = run(
        database_url, "erase", case_id, "--reason", REASON, "--actor", "olga", key=master_key
    )
    assert erased.returncode == 0, erased.stderr
    assert f"erased the personal data of case {case_id}" in erased.stdout
    history = run(database_url, "history", case_id, "--json", key=master_key)
    *_, last = [json.loads(line) for line in history.stdout.splitlines()]
    assert (last["event"], last["actor"], last["data"]) == (
        "CaseErased",
        "olga",
        {"erasure_reason": REASON},
    )
    again = run(database_url, "erase", case_id, "--reason", REASON, key=master_key)
    assert (
        again.returncode == 1
        and "was erased at" in again.stderr
        and "Traceback" not in again.stderr
    )
    verified = run(database_url, "replay", "--verify", key=master_key)
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_nareis_erase_without_a_reason_or_of_an_unknown_case_erases_nothing(database_url: str):
    nareis = open_with(database_url, KEY)
    case_id = nareis.application.execute(OpenCase(a_sponsor()), CTX).case_id
    nareis.close()
    assert run(database_url, "erase", case_id, key=KEY).returncode == 2  # --reason is required
    unknown = run(database_url, "erase", "not-a-case", "--reason", REASON, key=KEY)
    assert unknown.returncode == 1 and "There is no case not-a-case" in unknown.stderr
    reopened = open_with(database_url, KEY)
    assert reopened.application.get_case(case_id).facts.sponsor.name == SPONSOR_NAME
    reopened.close()
