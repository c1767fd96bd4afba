"""Encryption at rest (`NAREIS_ENCRYPTION_KEY`): with a key, no name or V-number of a sponsor or a
member is anywhere in the database, on either store; without one, they are (the search works);
every tool opens the store with the key, and refuses it without or with another."""

from __future__ import annotations

import os
import subprocess
import sys
from base64 import b64decode, b64encode
from pathlib import Path
from uuid import uuid5

import pytest

from application.commands import (
    GrantSponsorPermit,
    IssuePermit,
    OpenCase,
    ReceiveDocument,
    RegisterMember,
    SubmitApplication,
    TakeDecision,
)
from application.projections import CaseListFilter
from application.verification import verify
from domain.facts import MemberDetails, Sponsor
from domain.permit_index import NAMESPACE
from infrastructure.composition import Nareis, build
from infrastructure.settings import ConfigurationError, Settings
from tests.integration.conftest import CTX, FULL_FILE, D, FixedClock, events_table, sql_rows
from tests.stores import everything_stored, found_in

NAREIS = Path(sys.executable).parent / "nareis"
KEY = os.urandom(32)
SPONSOR_NAME, SPONSOR_V = "Zahra Qasemi-Nouri", "4817263950"
MEMBER_NAME, MEMBER_V = "Farid Qasemi-Nouri", "4817263951"
PERSONAL = (SPONSOR_NAME, SPONSOR_V, MEMBER_NAME, MEMBER_V)


def open_with(database_url: str, key: bytes | None = KEY) -> Nareis:
    return build(Settings(database_url=database_url, encryption_key=key), clock=FixedClock())


def record_a_family(nareis: Nareis) -> str:
    """A sponsor and a partner with a V-number and a dependent permit (so the permit index holds
    the partner), more than 50 events (so a snapshot is stored), projected."""
    app = nareis.application
    sponsor = Sponsor(
        SPONSOR_V, SPONSOR_NAME, D("1988-03-14"), D("2025-06-02"), D("2025-05-28"), False
    )
    case_id = app.execute(OpenCase(sponsor), CTX).case_id
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
    assert member_id is not None
    app.execute(SubmitApplication(case_id, member_id, D("2026-02-27"), "mvv_abroad"), CTX)
    for kind in FULL_FILE:
        app.execute(ReceiveDocument(case_id, member_id, D("2026-02-27"), kind, True), CTX)
    app.execute(TakeDecision(case_id, member_id, D("2026-03-10"), "granted", ()), CTX)
    app.execute(IssuePermit(case_id, member_id, D("2026-03-12"), D("2026-03-10")), CTX)
    for _ in range(45):
        app.execute(ReceiveDocument(case_id, member_id, D("2026-04-01"), "other", True), CTX)
    nareis.catch_up()
    return case_id


def snapshots_stored(database_url: str) -> int:
    [(count,)] = sql_rows(
        database_url, f"SELECT COUNT(*) FROM {events_table(database_url, 'snapshots_v2')}"
    )
    return count


def test_with_a_key_no_name_or_v_number_of_a_sponsor_or_member_is_anywhere_in_the_database(
    database_url: str,
):
    nareis = open_with(database_url)
    case_id = record_a_family(nareis)
    assert snapshots_stored(database_url) >= 1
    while_open = everything_stored(database_url)
    assert nareis.application.get_case(case_id).facts.sponsor.name == SPONSOR_NAME
    nareis.close()
    after_close = everything_stored(database_url)
    for secret in PERSONAL:
        assert not found_in(while_open, secret), secret
        assert not found_in(after_close, secret), secret


def test_without_a_key_the_same_search_finds_every_name_and_v_number(database_url: str):
    nareis = open_with(database_url, key=None)
    record_a_family(nareis)
    nareis.close()
    stored = everything_stored(database_url)
    for secret in PERSONAL:
        assert found_in(stored, secret), secret


def test_an_encrypted_database_serves_the_same_answers_and_verifies(database_url: str):
    nareis = open_with(database_url)
    case_id = record_a_family(nareis)
    app = nareis.application
    assert [m.details.v_number for m in app.get_case(case_id).facts.members] == [MEMBER_V]
    [listed] = app.list_cases(CaseListFilter()).report.cases
    assert listed.sponsor_name == SPONSOR_NAME
    assert app.permit_index.holds_dependent_permit(MEMBER_V, D("2026-03-12"))
    assert nareis.read_model.view.holds_dependent_permit(MEMBER_V, D("2026-03-12"))
    assert not nareis.read_model.view.holds_dependent_permit(SPONSOR_V, D("2026-03-12"))
    assert verify(app, nareis.read_model.view, nareis.scratch_read_model(), D("2026-11-28")) == []
    nareis.close()


def test_with_a_key_the_dependent_permit_index_is_not_found_by_the_v_number(database_url: str):
    nareis = open_with(database_url)
    record_a_family(nareis)
    nareis.close()
    ids = {
        str(i)
        for (i,) in sql_rows(
            database_url, f"SELECT originator_id FROM {events_table(database_url)}"
        )
    }
    assert str(uuid5(NAMESPACE, MEMBER_V)) not in ids  # the id a V-number gives without a key
    reopened = open_with(database_url)
    assert reopened.application.permit_index.holds_dependent_permit(MEMBER_V, D("2026-03-12"))
    reopened.close()


def test_an_encrypted_database_refuses_to_open_without_its_key_or_with_another(
    database_url: str,
):
    open_with(database_url).close()
    with pytest.raises(
        ConfigurationError, match="this database is encrypted: set NAREIS_ENCRYPTION_KEY"
    ):
        open_with(database_url, key=None)
    with pytest.raises(ConfigurationError, match="NAREIS_ENCRYPTION_KEY is not the key"):
        open_with(database_url, key=os.urandom(32))


def test_a_database_written_without_a_key_refuses_a_key_later(database_url: str):
    nareis = open_with(database_url, key=None)
    nareis.application.execute(
        OpenCase(
            Sponsor(
                SPONSOR_V, SPONSOR_NAME, D("1988-03-14"), D("2025-06-02"), D("2025-05-28"), False
            )
        ),
        CTX,
    )
    nareis.close()
    with pytest.raises(ConfigurationError, match="written without an encryption key"):
        open_with(database_url)


def run(database_url: str, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NAREIS_DATABASE_URL": database_url, "COLUMNS": "200", **settings}
    return subprocess.run([NAREIS, *args], env=env, capture_output=True, text=True, timeout=120)


def test_keygen_prints_a_new_key_of_32_random_bytes_each_time():
    first, second = (
        subprocess.run(
            [NAREIS, "keygen"], capture_output=True, text=True, check=True
        ).stdout.strip()
        for _ in range(2)
    )
    assert len(b64decode(first, validate=True)) == 32 and first != second


@pytest.mark.parametrize(
    "value", ["c2hvcnQ=", "not base64 at all!", b64encode(os.urandom(31)).decode()]
)
def test_a_key_that_is_not_32_bytes_of_base64_is_one_line_that_names_the_setting_not_the_value(
    tmp_path: Path, value: str
):
    refused = run(
        f"sqlite:///{tmp_path / 'n.db'}", "replay", "--verify", NAREIS_ENCRYPTION_KEY=value
    )
    assert refused.returncode == 2
    assert refused.stderr.count("\n") == 1 and "NAREIS_ENCRYPTION_KEY" in refused.stderr
    assert value not in refused.stderr and "Traceback" not in refused.stderr


def test_every_tool_takes_the_key_from_the_environment(database_url: str):
    nareis = open_with(database_url)
    case_id = record_a_family(nareis)
    nareis.close()
    key = b64encode(KEY).decode()
    verified = run(database_url, "replay", "--verify", NAREIS_ENCRYPTION_KEY=key)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    history = run(database_url, "history", case_id, "--json", NAREIS_ENCRYPTION_KEY=key)
    assert history.returncode == 0 and SPONSOR_NAME in history.stdout
    without = run(database_url, "history", case_id)
    assert without.returncode == 2 and "set NAREIS_ENCRYPTION_KEY" in without.stderr
    assert "Traceback" not in without.stderr


def test_rotate_key_rewraps_the_keys_and_only_the_new_key_opens_the_database_after(
    database_url: str,
):
    nareis = open_with(database_url)
    case_id = record_a_family(nareis)
    nareis.close()
    old, new = b64encode(KEY).decode(), b64encode(os.urandom(32)).decode()
    rotated = run(
        database_url, "rotate-key", NAREIS_ENCRYPTION_KEY=old, NAREIS_NEW_ENCRYPTION_KEY=new
    )
    assert rotated.returncode == 0, rotated.stderr
    assert old not in rotated.stdout + rotated.stderr and new not in rotated.stdout + rotated.stderr
    refused = run(database_url, "history", case_id, NAREIS_ENCRYPTION_KEY=old)
    assert refused.returncode == 2 and "not the key" in refused.stderr
    verified = run(database_url, "replay", "--verify", NAREIS_ENCRYPTION_KEY=new)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    reopened = open_with(database_url, key=b64decode(new))
    assert reopened.application.get_case(case_id).facts.sponsor.name == SPONSOR_NAME
    reopened.close()


def test_an_encrypted_office_moves_to_another_store_encrypted_under_the_same_key(
    tmp_path: Path, database_url: str
):
    source_url = f"sqlite:///{tmp_path / 'office.db'}"
    nareis = open_with(source_url)
    case_id = record_a_family(nareis)
    nareis.close()
    key = b64encode(KEY).decode()
    moved = run(
        source_url,
        "migrate-store",
        "--from",
        source_url,
        "--to",
        database_url,
        "--verify",
        NAREIS_ENCRYPTION_KEY=key,
    )
    assert moved.returncode == 0, moved.stderr
    stored = everything_stored(database_url)
    assert not any(found_in(stored, secret) for secret in PERSONAL)
    target = open_with(database_url)
    assert target.application.get_case(case_id).facts.sponsor.name == SPONSOR_NAME
    target.close()
