from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
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
from tests.stores import STORES

D = date.fromisoformat


@dataclass
class FixedClock:
    day: date = date(2026, 11, 28)

    def today(self) -> date:
        return self.day


def tracking_table(database_url: str) -> str:
    """The library's table of projection positions, named differently on each store."""
    return "tracking" if database_url.startswith("sqlite:") else "nareis_tracking"


def events_table(database_url: str, purpose: str = "events") -> str:
    """The library's table of events (or of snapshots, `snapshots_v2`), named per store."""
    prefix = "stored" if database_url.startswith("sqlite:") else "nareis"
    return f"{prefix}_{purpose}"


def notification_id_column(database_url: str) -> str:
    """The column of an event's position in the log (SQLite keeps it as the table's rowid)."""
    return "rowid" if database_url.startswith("sqlite:") else "notification_id"


def open_system(database_url: str) -> Nareis:
    return build(Settings(database_url=database_url), clock=FixedClock())


@pytest.fixture(params=STORES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new, empty database on each store: every test that takes it runs on both."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'nareis.db'}"
    return request.getfixturevalue("postgresql_url")


@pytest.fixture
def nareis(database_url: str) -> Iterator[Nareis]:
    system = open_system(database_url)
    yield system
    system.close()


def sql_rows(database_url: str, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """What a query (with `?` placeholders) finds in the database, read (or changed, committed)
    beside the system, as a user with SQL access would."""
    if database_url.startswith("sqlite:///"):
        with closing(sqlite3.connect(database_url.removeprefix("sqlite:///"))) as raw, raw:
            return raw.execute(query, params).fetchall()
    with psycopg.connect(database_url) as raw:
        cursor = raw.execute(query.replace("?", "%s"), params)  # type: ignore[arg-type]
        return cursor.fetchall() if cursor.description else []


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
