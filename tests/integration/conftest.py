from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

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
from application.service import CommandContext, NareisApplication
from domain.facts import MemberDetails, Sponsor
from infrastructure.composition import Nareis, build
from infrastructure.settings import Settings
from tests.stores import (  # noqa: F401 (the tests import these from here)
    STORES,
    events_table,
    new_database_url,
    notification_id_column,
    sql_rows,
    tracking_table,
)

D = date.fromisoformat


@dataclass
class FixedClock:
    day: date = date(2026, 11, 28)

    def today(self) -> date:
        return self.day


def open_system(database_url: str) -> Nareis:
    return build(Settings(database_url=database_url), clock=FixedClock())


@pytest.fixture(params=STORES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new, empty database on each store: every test that takes it runs on both."""
    return new_database_url(request.param, tmp_path, request)


@pytest.fixture
def nareis(database_url: str) -> Iterator[Nareis]:
    system = open_system(database_url)
    yield system
    system.close()


CTX = CommandContext("alice")


def a_sponsor(v_number: str = "1000000001") -> Sponsor:
    return Sponsor(v_number, "Amal", D("1988-03-14"), D("2025-06-02"), D("2025-05-28"), False)


def a_partner(v_number: str | None = None) -> MemberDetails:
    return MemberDetails(
        "Samir", D("1987-09-01"), "partner", True, True, v_number=v_number, marital_status="married"
    )


FULL_FILE = (
    "identity_document",
    "family_tie_document",
    "sponsor_declaration",
    "antecedents_certificate",
    "non_impediment_certificate",
)


def granted_member_case(nareis: Nareis, member_v_number: str | None = None) -> tuple[str, str]:
    """A case whose partner (with `member_v_number`) received a dependent permit on 2026-03-12."""
    return record_granted_member(nareis.application, member_v_number)


def record_granted_member(
    app: NareisApplication, member_v_number: str | None = None
) -> tuple[str, str]:
    case_id = app.execute(OpenCase(a_sponsor()), CTX).case_id
    app.execute(GrantSponsorPermit(case_id, D("2025-11-30"), "independent"), CTX)
    member_id = app.execute(RegisterMember(case_id, a_partner(member_v_number)), CTX).member_id
    assert member_id is not None
    app.execute(SubmitApplication(case_id, member_id, D("2026-02-27"), "mvv_abroad"), CTX)
    for kind in FULL_FILE:
        app.execute(ReceiveDocument(case_id, member_id, D("2026-02-27"), kind, True), CTX)
    app.execute(TakeDecision(case_id, member_id, D("2026-03-10"), "granted", ()), CTX)
    app.execute(IssuePermit(case_id, member_id, D("2026-03-12"), D("2026-03-10")), CTX)
    return case_id, member_id
