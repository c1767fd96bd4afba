"""`nareis demo`: a handful of realistic cases that walk DOMAIN.md's rules and term examples.

Every command is sent with a fixed idempotency key, so running the demo twice on the same database
answers from the first run instead of recording the cases again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

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

    def member(
        self, key: str, name: str, born_on: str, relationship: str, **details: object
    ) -> DemoCase:
        partner = details.pop("partner", None)
        facts = MemberDetails(
            name=name,
            born_on=D(born_on),
            relationship=relationship,
            mentioned_in_asylum_procedure=bool(details.pop("mentioned", True)),
            family_bond_abroad=bool(details.pop("bond", True)),
            partner_member_id=self.members[str(partner)] if partner else None,
            **details,  # type: ignore[arg-type]
        )
        self.members[key] = (
            self.app.execute(RegisterMember(self.case_id, facts), self.ctx()).member_id or ""
        )
        return self

    def do(self, key: str, action: type[MemberCommand], *args: object) -> DemoCase:
        converted = [
            D(a) if isinstance(a, str) and a[:2] == "20" and len(a) == 10 else a for a in args
        ]
        self.app.execute(action(self.case_id, self.members[key], *converted), self.ctx())
        return self

    def documents(self, key: str, on: str, *kinds: str, official: bool = True) -> DemoCase:
        for kind in kinds:
            self.do(key, ReceiveDocument, on, kind, official)
        return self


FULL_FILE = (
    "identity_document",
    "family_tie_document",
    "sponsor_declaration",
    "antecedents_certificate",
    "non_impediment_certificate",
)
CHILD_FILE = ("identity_document", "family_tie_document", "sponsor_declaration")


def build_cases(app: NareisApplication) -> list[DemoCase]:
    a = app
    haddad = (
        DemoCase(a, "haddad-weekend-rollover")
        .open("Amal Haddad", "1000000001", "1988-03-14", "2025-06-02", "2025-05-28")
        .grant("2025-11-30")
        .member(
            "partner",
            "Samir Haddad",
            "1987-09-01",
            "partner",
            v_number="2000000001",
            marital_status="married",
        )
        .member(
            "child",
            "Lina Haddad",
            "2016-05-20",
            "child",
            child_of="sponsor_and_partner",
            partner="partner",
            child_kind="biological",
        )
        .member(
            "young-adult",
            "Omar Haddad",
            "2004-02-11",
            "child",
            child_of="sponsor",
            child_kind="biological",
        )
    )
    for key in ("partner", "child", "young-adult"):
        haddad.do(key, SubmitApplication, "2026-02-27", "mvv_abroad", None)
    haddad.documents("partner", "2026-02-27", *FULL_FILE)
    haddad.documents("child", "2026-02-27", *CHILD_FILE)
    haddad.documents("young-adult", "2026-02-27", *FULL_FILE)
    haddad.do(
        "young-adult",
        RecordAssessment,
        "2026-03-10",
        "family_bond_intact",
        "met",
        "Lived with the sponsor until the flight",
    )
    haddad.do("partner", TakeDecision, "2026-04-01", "granted")
    haddad.do("partner", IssuePermit, "2026-04-03", "2026-04-01")
    haddad.do("child", TakeDecision, "2026-04-01", "granted")
    haddad.do("child", IssuePermit, "2026-04-08", "2026-04-01")

    good_friday = (
        DemoCase(a, "tesfaye-good-friday")
        .open("Dawit Tesfaye", "1000000002", "1990-01-10", "2025-07-01", "2025-06-20")
        .grant("2026-01-03")
        .member("partner", "Hiwet Tesfaye", "1992-04-02", "partner", marital_status="unmarried")
        .member(
            "child", "Noah Tesfaye", "2013-08-30", "child", child_of="sponsor", child_kind="foster"
        )
    )
    good_friday.do("partner", SubmitApplication, "2026-04-07", "in_netherlands", None)
    good_friday.documents("partner", "2026-04-07", "identity_document")
    good_friday.documents("partner", "2026-04-07", "family_tie_document", official=False)

    late = (
        DemoCase(a, "rahimi-kings-day-late")
        .open("Farid Rahimi", "1000000003", "1985-11-23", "2025-08-12", "2025-08-01")
        .grant("2026-01-27")
        .member(
            "child", "Sara Rahimi", "2010-03-03", "child", child_of="sponsor", child_kind="adoptive"
        )
        .member(
            "arrived",
            "Yusuf Rahimi",
            "2012-12-12",
            "child",
            child_of="sponsor",
            child_kind="biological",
        )
    )
    late.do("child", SubmitApplication, "2026-04-29", "mvv_abroad", None)
    late.do("arrived", RecordArrival, "2025-08-01", None)

    minor = (
        DemoCase(a, "ahmadi-unaccompanied-minor-5-may")
        .open(
            "Ali Ahmadi",
            "1000000004",
            "2009-06-01",
            "2025-09-01",
            "2025-08-25",
            unaccompanied_minor=True,
        )
        .grant("2026-02-05")
        .member("mother", "Maryam Ahmadi", "1979-02-02", "parent", parent_kind="biological")
        .member("uncle", "Reza Ahmadi", "1975-07-07", "parent", parent_kind="other")
    )
    minor.do("mother", SubmitApplication, "2026-05-06", "mvv_abroad", None)
    minor.do("uncle", SubmitApplication, "2026-04-15", "mvv_abroad", None)
    minor.documents("mother", "2026-05-06", *FULL_FILE)

    decreed = (
        DemoCase(a, "osman-ascension-decreed-day")
        .open("Hassan Osman", "1000000005", "1980-05-05", "2025-08-20", "2025-08-10")
        .grant("2026-02-14")
        .member("first", "Amina Osman", "1983-01-01", "partner", marital_status="married")
        .member("second", "Fatima Osman", "1986-06-06", "partner", marital_status="married")
        .member(
            "second-child",
            "Idris Osman",
            "2014-09-09",
            "child",
            child_of="partner",
            partner="second",
            child_kind="biological",
        )
        .member(
            "eldest",
            "Khalid Osman",
            "1998-10-10",
            "child",
            child_of="sponsor",
            child_kind="biological",
        )
    )
    for key in ("first", "second", "second-child", "eldest"):
        decreed.do(key, SubmitApplication, "2026-05-18", "mvv_abroad", None)
    decreed.documents("first", "2026-05-18", *FULL_FILE)
    decreed.documents("eldest", "2026-05-18", *FULL_FILE)
    decreed.do("eldest", RecordAssessment, "2026-06-01", "family_bond_intact", "met", "")
    decreed.do(
        "eldest",
        RecordAssessment,
        "2026-06-01",
        "more_than_normal_emotional_ties",
        "not_met",
        "Lives independently with own family",
    )
    decreed.do("first", TakeDecision, "2026-06-15", "granted")

    dependent = (
        DemoCase(a, "haddad-partner-as-sponsor")
        .open("Samir Haddad", "2000000001", "1987-09-01", "2026-04-20", "2026-04-01")
        .grant("2026-06-01")
        .member(
            "brother-child",
            "Rami Haddad",
            "2011-01-01",
            "child",
            child_of="sponsor",
            child_kind="biological",
        )
    )
    dependent.do("brother-child", SubmitApplication, "2026-06-10", "mvv_abroad", None)

    waiting = (
        DemoCase(a, "noor-awaiting-grant-overdue")
        .open("Noor Karimi", "1000000006", "1994-02-28", "2025-10-01", "2025-09-20")
        .member("partner", "Jamal Karimi", "1993-03-01", "partner", marital_status="married")
        .member(
            "withdrawn",
            "Aya Karimi",
            "2019-11-11",
            "child",
            child_of="sponsor",
            child_kind="biological",
        )
    )
    waiting.do("partner", SubmitApplication, "2026-06-01", "in_netherlands", None)
    waiting.do("withdrawn", Withdraw, "2026-05-01", "Stays with her grandparents")
    return [haddad, good_friday, late, minor, decreed, dependent, waiting]


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
