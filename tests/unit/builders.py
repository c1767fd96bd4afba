"""Tiny builders for domain facts: sensible defaults, override only what a test is about.

Defaults: a sponsor born 1990 who arrived 2025-05-20 and is granted an independent permit on
2026-01-15 (term ends Wednesday 2026-04-15); a married partner, a child of the sponsor (biological)
and a biological parent, each mentioned in the asylum procedure and part of the family abroad.
"""

from __future__ import annotations

import itertools
from dataclasses import fields
from datetime import date

from domain.facts import (
    Application,
    Assessment,
    CaseFacts,
    Decision,
    DecisionPeriodExtension,
    Document,
    MemberDetails,
    MemberFacts,
    Permit,
    Sponsor,
    SponsorGrant,
    Withdrawal,
)

GRANTED_ON = date(2026, 1, 15)
TERM_ENDS_ON = date(2026, 4, 15)  # 3 months after GRANTED_ON, a Wednesday
SPONSOR_ARRIVED_ON = date(2025, 5, 20)
SPONSOR_BORN_ON = date(1990, 1, 1)

_sequence = itertools.count(1)

_MEMBER_DEFAULTS: dict[str, dict[str, object]] = {
    "partner": {"born_on": date(1992, 3, 1), "marital_status": "married"},
    "child": {"born_on": date(2015, 6, 1), "child_of": "sponsor", "child_kind": "biological"},
    "parent": {"born_on": date(1965, 1, 1), "parent_kind": "biological"},
}
_DETAIL_FIELDS = {f.name for f in fields(MemberDetails)}


def sponsor(**overrides: object) -> Sponsor:
    values: dict[str, object] = {
        "v_number": "1234567890",
        "name": "Sponsor",
        "born_on": SPONSOR_BORN_ON,
        "asylum_application_signed_on": date(2025, 6, 1),
        "arrived_on": SPONSOR_ARRIVED_ON,
        "unaccompanied_minor": False,
    }
    return Sponsor(**(values | overrides))  # type: ignore[arg-type]


def member(member_id: str, relationship: str, **overrides: object) -> MemberFacts:
    """A member; keyword overrides go to `MemberDetails` or `MemberFacts` by field name."""
    details: dict[str, object] = {
        "name": member_id.title(),
        "relationship": relationship,
        "mentioned_in_asylum_procedure": True,
        "family_bond_abroad": True,
        **_MEMBER_DEFAULTS[relationship],
    }
    details |= {k: v for k, v in overrides.items() if k in _DETAIL_FIELDS}
    facts = {k: v for k, v in overrides.items() if k not in _DETAIL_FIELDS}
    for key in ("documents", "assessments"):
        if key in facts:
            facts[key] = tuple(facts[key])  # type: ignore[arg-type]
    return MemberFacts(member_id, MemberDetails(**details), **facts)  # type: ignore[arg-type]


def doc(kind: str, on: date, official: bool = True) -> Document:
    return Document(received_on=on, kind=kind, official=official)


def assessment(criterion: str, outcome: str, on: date, sequence: int | None = None) -> Assessment:
    """An assessment; without `sequence` each one built is recorded after the previous one."""
    recorded = next(_sequence) if sequence is None else sequence
    return Assessment(on, criterion, outcome, note=f"{criterion} {outcome}", sequence=recorded)


def application(on: date, channel: str = "mvv_abroad") -> Application:
    return Application(submitted_on=on, channel=channel)


def decision(outcome: str, on: date) -> Decision:
    grounds = ("identity_proven",) if outcome == "refused" else ()
    return Decision(decided_on=on, outcome=outcome, grounds=grounds)


def withdrawal(on: date) -> Withdrawal:
    return Withdrawal(withdrawn_on=on, reason="no longer comes")


def extension(on: date) -> DecisionPeriodExtension:
    return DecisionPeriodExtension(extended_on=on, reason="more time needed")


def permit(on: date) -> Permit:
    return Permit(issued_on=on, valid_from=on)


def case(
    *members: MemberFacts,
    grant_on: date | None = GRANTED_ON,
    permit_kind: str = "independent",
    **sponsor_overrides: object,
) -> CaseFacts:
    """A case; `grant_on=None` means the sponsor has no grant recorded."""
    grant = SponsorGrant(grant_on, permit_kind) if grant_on is not None else None
    return CaseFacts("case-1", sponsor(**sponsor_overrides), grant, tuple(members))
