"""`nareis demo`: a handful of realistic cases that walk DOMAIN.md's rules and term examples.

Every command is sent with a fixed idempotency key, so running the demo twice on the same database
answers from the first run instead of recording the cases again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from rich.console import Console
from rich.table import Table

from application.commands import (
    GrantSponsorPermit,
    IssuePermit,
    MemberCommand,
    OpenCase,
    ReceiveDocument,
    RecordArrival,
    RecordAssessment,
    RegisterMember,
    SubmitApplication,
    TakeDecision,
    Withdraw,
)
from application.service import CommandContext, NareisApplication
from domain.calendar import ATW_CALENDAR
from domain.facts import MemberDetails, Sponsor
from domain.term import journey_term
from domain.vocabulary import Outcome
from infrastructure.composition import Nareis

D = date.fromisoformat


@dataclass
class DemoCase:
    """Builds one case through the application, with deterministic idempotency keys."""

    app: NareisApplication
    label: str
    case_id: str = ""
    members: dict[str, str] = field(default_factory=dict)
    _step: int = 0

    def ctx(self) -> CommandContext:
        self._step += 1
        key = f"demo:{self.label}:{self._step}"
        return CommandContext("demo", idempotency_key=key)

    def open(
        self,
        name: str,
        v_number: str,
        born_on: str,
        signed_on: str,
        arrived_on: str,
        unaccompanied_minor: bool = False,
    ) -> DemoCase:
        sponsor = Sponsor(
            v_number, name, D(born_on), D(signed_on), D(arrived_on), unaccompanied_minor
        )
        self.case_id = self.app.execute(OpenCase(sponsor), self.ctx()).case_id
        return self

    def grant(self, granted_on: str, kind: str = "independent") -> DemoCase:
        self.app.execute(GrantSponsorPermit(self.case_id, D(granted_on), kind), self.ctx())
        return self

    def grant_corrected(self, granted_on: str, reason: str, kind: str = "independent") -> DemoCase:
        """The grant recorded again with the right date: a correction, with its reason."""
        command = GrantSponsorPermit(self.case_id, D(granted_on), kind, correction_reason=reason)
        self.app.execute(command, self.ctx())
        return self

    def partner(
        self, key: str, name: str, born_on: str, marital_status: str, **more: Any
    ) -> DemoCase:
        return self._register(key, name, born_on, "partner", marital_status=marital_status, **more)

    def child(
        self,
        key: str,
        name: str,
        born_on: str,
        child_kind: str = "biological",
        child_of: str = "sponsor",
        partner: str | None = None,
    ) -> DemoCase:
        partner_id = self.members[partner] if partner else None
        return self._register(
            key,
            name,
            born_on,
            "child",
            child_of=child_of,
            child_kind=child_kind,
            partner_member_id=partner_id,
        )

    def parent(self, key: str, name: str, born_on: str, parent_kind: str) -> DemoCase:
        return self._register(key, name, born_on, "parent", parent_kind=parent_kind)

    def _register(
        self, key: str, name: str, born_on: str, relationship: str, **details: Any
    ) -> DemoCase:
        member = MemberDetails(name, D(born_on), relationship, True, True, **details)
        registered = self.app.execute(RegisterMember(self.case_id, member), self.ctx())
        self.members[key] = registered.member_id or ""
        return self

    def applies(self, on: str, channel: str, *keys: str) -> DemoCase:
        for key in keys:
            self._record(SubmitApplication, key, D(on), channel)
        return self

    def documents(self, key: str, on: str, *kinds: str, official: bool = True) -> DemoCase:
        for kind in kinds:
            self._record(ReceiveDocument, key, D(on), kind, official)
        return self

    def assessed(self, key: str, on: str, criterion: str, outcome: str, note: str = "") -> DemoCase:
        self._record(RecordAssessment, key, D(on), criterion, outcome, note)
        return self

    def granted(self, key: str, decided_on: str) -> DemoCase:
        self._record(TakeDecision, key, D(decided_on), "granted")
        return self

    def permit(self, key: str, issued_on: str, valid_from: str) -> DemoCase:
        self._record(IssuePermit, key, D(issued_on), D(valid_from))
        return self

    def arrived(self, key: str, on: str) -> DemoCase:
        self._record(RecordArrival, key, D(on))
        return self

    def withdrawn(self, key: str, on: str, reason: str) -> DemoCase:
        self._record(Withdraw, key, D(on), reason)
        return self

    def _record(self, command: type[MemberCommand], key: str, *values: object) -> None:
        self.app.execute(command(self.case_id, self.members[key], *values), self.ctx())


FULL_FILE = (
    "identity_document",
    "family_tie_document",
    "sponsor_declaration",
    "antecedents_certificate",
    "non_impediment_certificate",
)
CHILD_FILE = ("identity_document", "family_tie_document", "sponsor_declaration")


def haddad_weekend_rollover(app: NareisApplication) -> DemoCase:
    """Granted on a Sunday: the term ends on Monday 2 March; a whole family applies in time."""
    return (
        DemoCase(app, "haddad-weekend-rollover")
        .open("Amal Haddad", "1000000001", "1988-03-14", "2025-06-02", "2025-05-28")
        .grant("2025-11-30")
        .partner("partner", "Samir Haddad", "1987-09-01", "married", v_number="2000000001")
        .child(
            "child", "Lina Haddad", "2016-05-20", child_of="sponsor_and_partner", partner="partner"
        )
        .child("young-adult", "Omar Haddad", "2004-02-11")
        .applies("2026-02-27", "mvv_abroad", "partner", "child", "young-adult")
        .documents("partner", "2026-02-27", *FULL_FILE)
        .documents("child", "2026-02-27", *CHILD_FILE)
        .documents("young-adult", "2026-02-27", *FULL_FILE)
        .assessed(
            "young-adult",
            "2026-03-10",
            "family_bond_intact",
            "met",
            "Lived with the sponsor until the flight",
        )
        .granted("partner", "2026-04-01")
        .permit("partner", "2026-04-03", "2026-04-01")
        .granted("child", "2026-04-01")
        .permit("child", "2026-04-08", "2026-04-01")
    )


def tesfaye_good_friday(app: NareisApplication) -> DemoCase:
    """The term's nominal end is Good Friday; an unmarried partner with an unofficial document."""
    return (
        DemoCase(app, "tesfaye-good-friday")
        .open("Dawit Tesfaye", "1000000002", "1990-01-10", "2025-07-01", "2025-06-20")
        .grant("2026-01-03")
        .partner("partner", "Hiwet Tesfaye", "1992-04-02", "unmarried")
        .child("child", "Noah Tesfaye", "2013-08-30", child_kind="foster")
        .applies("2026-04-07", "in_netherlands", "partner")
        .documents("partner", "2026-04-07", "identity_document")
        .documents("partner", "2026-04-07", "family_tie_document", official=False)
    )


def rahimi_kings_day_late(app: NareisApplication) -> DemoCase:
    """King's Day moves the term's end; one child applies late, another arrived with the sponsor."""
    return (
        DemoCase(app, "rahimi-kings-day-late")
        .open("Farid Rahimi", "1000000003", "1985-11-23", "2025-08-12", "2025-08-01")
        .grant("2026-01-27")
        .child("child", "Sara Rahimi", "2010-03-03", child_kind="adoptive")
        .child("arrived", "Yusuf Rahimi", "2012-12-12")
        .applies("2026-04-29", "mvv_abroad", "child")
        .arrived("arrived", "2025-08-01")
    )


def ahmadi_unaccompanied_minor_5_may(app: NareisApplication) -> DemoCase:
    """An unaccompanied minor's parents, one biological; 5 May (Liberation Day) moves the term's end."""
    return (
        DemoCase(app, "ahmadi-unaccompanied-minor-5-may")
        .open("Ali Ahmadi", "1000000004", "2009-06-01", "2025-09-01", "2025-08-25", True)
        .grant("2026-02-05")
        .parent("mother", "Maryam Ahmadi", "1979-02-02", "biological")
        .parent("uncle", "Reza Ahmadi", "1975-07-07", "other")
        .applies("2026-05-06", "mvv_abroad", "mother")
        .applies("2026-04-15", "mvv_abroad", "uncle")
        .documents("mother", "2026-05-06", *FULL_FILE)
    )


def osman_ascension_decreed_day(app: NareisApplication) -> DemoCase:
    """Ascension and a decreed day; two partners (only the first granted comes) and an adult child."""
    return (
        DemoCase(app, "osman-ascension-decreed-day")
        .open("Hassan Osman", "1000000005", "1980-05-05", "2025-08-20", "2025-08-10")
        .grant("2026-02-14")
        .partner("first", "Amina Osman", "1983-01-01", "married")
        .partner("second", "Fatima Osman", "1986-06-06", "married")
        .child("second-child", "Idris Osman", "2014-09-09", child_of="partner", partner="second")
        .child("eldest", "Khalid Osman", "1998-10-10")
        .applies("2026-05-18", "mvv_abroad", "first", "second", "second-child", "eldest")
        .documents("first", "2026-05-18", *FULL_FILE)
        .documents("eldest", "2026-05-18", *FULL_FILE)
        .assessed("eldest", "2026-06-01", "family_bond_intact", "met")
        .assessed(
            "eldest",
            "2026-06-01",
            "more_than_normal_emotional_ties",
            "not_met",
            "Lives independently with own family",
        )
        .granted("first", "2026-06-15")
    )


def haddad_partner_as_sponsor(app: NareisApplication) -> DemoCase:
    """The first case's partner, now a sponsor with a dependent permit, cannot sponsor in turn."""
    return (
        DemoCase(app, "haddad-partner-as-sponsor")
        .open("Samir Haddad", "2000000001", "1987-09-01", "2026-04-20", "2026-04-01")
        .grant("2026-06-01")
        .child("brother-child", "Rami Haddad", "2011-01-01")
        .applies("2026-06-10", "mvv_abroad", "brother-child")
    )


def noor_awaiting_grant_overdue(app: NareisApplication) -> DemoCase:
    """No grant yet: an application whose decision is overdue, and a child withdrawn."""
    return (
        DemoCase(app, "noor-awaiting-grant-overdue")
        .open("Noor Karimi", "1000000006", "1994-02-28", "2025-10-01", "2025-09-20")
        .partner("partner", "Jamal Karimi", "1993-03-01", "married")
        .child("withdrawn", "Aya Karimi", "2019-11-11")
        .applies("2026-06-01", "in_netherlands", "partner")
        .withdrawn("withdrawn", "2026-05-01", "Stays with her grandparents")
    )


def el_amin_grant_corrected(app: NareisApplication) -> DemoCase:
    """The grant was first recorded with the date the letter was sent (16 November 2026) and then
    corrected to the decision's date (9 November): the term's end moves from 16 to 9 February
    2027, and the case as known before the correction still shows the old end."""
    return (
        DemoCase(app, "el-amin-grant-corrected")
        .open("Yara El-Amin", "1000000007", "1991-07-19", "2026-05-04", "2026-04-28")
        .grant("2026-11-16")
        .partner("partner", "Karim El-Amin", "1989-12-02", "married")
        .child(
            "child", "Nour El-Amin", "2018-03-21", child_of="sponsor_and_partner", partner="partner"
        )
        .applies("2026-11-20", "mvv_abroad", "partner", "child")
        .documents("partner", "2026-11-20", "identity_document", "family_tie_document")
        .documents("child", "2026-11-20", "identity_document")
        .grant_corrected(
            "2026-11-09",
            "The decision letter is dated 9 November 2026; 16 November is the day it was sent.",
        )
    )


DEMO_CASES: tuple[Callable[[NareisApplication], DemoCase], ...] = (
    haddad_weekend_rollover,
    tesfaye_good_friday,
    rahimi_kings_day_late,
    ahmadi_unaccompanied_minor_5_may,
    osman_ascension_decreed_day,
    haddad_partner_as_sponsor,
    noor_awaiting_grant_overdue,
    el_amin_grant_corrected,
)


def build_cases(app: NareisApplication) -> list[DemoCase]:
    return [build(app) for build in DEMO_CASES]


TERM_EXAMPLES = (
    "2026-01-15",
    "2025-11-30",
    "2026-02-28",
    "2026-01-03",
    "2026-01-27",
    "2026-02-05",
    "2026-02-14",
    "2025-10-02",
    "2026-09-25",
    "2023-11-30",
)


def term_table() -> Table:
    table = Table(title="The term: 3 calendar months, rolled past weekends and Atw holidays")
    for column in ("granted on", "nominal end", "", "term ends on", "", "why"):
        table.add_column(column)
    for granted in TERM_EXAMPLES:
        term = journey_term(D(granted))
        nominal = term.nominal_ends_on
        why = ATW_CALENDAR.holidays_in(nominal.year).get(nominal) or (
            "weekend" if nominal.weekday() >= 5 else "working day"
        )
        table.add_row(
            granted,
            nominal.isoformat(),
            nominal.strftime("%a"),
            term.ends_on.isoformat(),
            term.ends_on.strftime("%a"),
            why,
        )
    return table


def members_table(app: NareisApplication, cases: list[DemoCase]) -> Table:
    table = Table(title=f"Cases as of {app.today().isoformat()}")
    for column in (
        "case",
        "member",
        "deadline",
        "term ends",
        "application",
        "overdue",
        "overall",
        "route",
        "open rules",
    ):
        table.add_column(column, overflow="fold")
    for demo_case in cases:
        deadline = app.deadline(demo_case.case_id)
        eligibility = {m.member_id: m for m in app.eligibility(demo_case.case_id).members}
        names = {v: k for k, v in demo_case.members.items()}
        term = deadline.deadline.term
        for member in deadline.deadline.members:
            verdict = eligibility[member.member_id]
            open_rules = [
                f"{r.id}={r.outcome}"
                for r in verdict.rules
                if r.outcome in (Outcome.NOT_MET, Outcome.UNKNOWN)
            ]
            table.add_row(
                demo_case.label,
                names[member.member_id],
                deadline.deadline.status,
                term.ends_on.isoformat() if term else "-",
                member.application,
                "yes" if member.overdue else "",
                verdict.overall,
                verdict.route,
                ", ".join(open_rules) or "-",
            )
    return table


def run_demo(nareis: Nareis) -> None:
    console = Console()
    cases = build_cases(nareis.application)
    nareis.catch_up()  # so the cross-case rule sees the permit issued in the first case
    console.print(term_table())
    console.print(members_table(nareis.application, cases))
    console.print(
        f"{len(cases)} demo cases are in {nareis.settings.database_url}; "
        "`nareis serve` serves them over HTTP."
    )
