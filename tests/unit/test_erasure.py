"""`Case.erase` (domain/erasure.py): the case's personal fields become ERASED, everything else
stays, and an erased case is erased once."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from eventsourcing.application import project_aggregate

from domain.case import Case
from domain.erasure import ERASED, PERSONAL_FIELDS, Erased, erased_fields
from domain.errors import BlankText, CaseErased
from domain.facts import MemberDetails, Permit, Sponsor
from domain.permit_index import holdings_of

TODAY = date(2026, 11, 28)
SPONSOR = Sponsor(
    "1000000001", "Amal", date(1988, 3, 14), date(2025, 6, 2), date(2025, 5, 28), False
)
PARTNER = MemberDetails(
    "Samir",
    date(1987, 9, 1),
    "partner",
    True,
    True,
    v_number="2000000002",
    marital_status="married",
)
CHILD = MemberDetails(
    "Lina", date(2015, 5, 5), "child", True, True, child_of="sponsor", child_kind="biological"
)


def a_case_with_a_permit_holder() -> Case:
    case = Case.open(SPONSOR, actor="alice", today=TODAY)
    case.grant_sponsor_permit(date(2025, 11, 30), "independent", actor="alice", today=TODAY)
    case.register_member("m-1", PARTNER, actor="alice", today=TODAY)
    case.register_member("m-2", CHILD, actor="alice", today=TODAY)
    case.submit_application("m-1", date(2026, 2, 27), "mvv_abroad", actor="alice", today=TODAY)
    case.record_assessment(
        "m-1", date(2026, 2, 28), "identity_established", "met", "seen", actor="alice", today=TODAY
    )
    case.take_decision(
        "m-1",
        date(2026, 3, 10),
        "refused",
        ["identity_proven"],
        sponsor_holds_dependent_permit=False,
        actor="alice",
        today=TODAY,
    )
    case.withdraw("m-2", date(2026, 3, 1), "stays", actor="alice", today=TODAY)
    return case


def test_erasing_a_case_erases_every_personal_field_and_keeps_the_rest():
    case = a_case_with_a_permit_holder()
    case.erase("retention period ended", actor="olga")
    assert case.erasure is not None and case.erasure.erased_by == "olga"
    assert (case.sponsor.name, case.sponsor.v_number, case.sponsor.born_on) == (ERASED,) * 3
    assert case.sponsor.arrived_on == SPONSOR.arrived_on
    partner, child = case.members["m-1"], case.members["m-2"]
    assert (partner.details.name, partner.details.v_number, partner.details.born_on) == (
        ERASED,
    ) * 3
    assert child.details.v_number is None  # nothing to erase where nothing was
    assert partner.assessments[0].note is ERASED and partner.assessments[0].outcome == "met"
    assert child.withdrawal is not None and child.withdrawal.reason is ERASED
    assert partner.decision is not None and partner.decision.outcome == "refused"
    assert partner.details.relationship == "partner"


def test_replaying_the_events_of_an_erased_case_gives_the_erased_case():
    case = a_case_with_a_permit_holder()
    case.erase("retention period ended", actor="olga")
    events = case.collect_events()
    as_read = []
    for event in events:  # what an erased store gives back: the personal fields ERASED
        erased = object.__new__(type(event))
        erased.__dict__.update(
            erased_fields(vars(event)) if event is not events[-1] else vars(event)
        )
        as_read.append(erased)
    replayed = project_aggregate(None, as_read)
    assert replayed is not None and replayed.facts() == case.facts()


def test_a_case_is_erased_once_and_with_a_reason():
    case = a_case_with_a_permit_holder()
    with pytest.raises(BlankText):
        case.erase("  ", actor="olga")
    case.erase("retention period ended", actor="olga")
    with pytest.raises(CaseErased, match="by olga"):
        case.erase("again", actor="olga")


def test_an_erased_case_records_no_permit_holdings():
    case = a_case_with_a_permit_holder()
    permit = Permit(date(2026, 3, 12), date(2026, 3, 10))  # as if issued (not via a grant here)
    case.members["m-1"] = replace(case.members["m-1"], permit=permit)
    assert holdings_of("c", case.members.values()) != frozenset()
    case.erase("retention period ended", actor="olga")
    assert holdings_of("c", case.members.values()) == frozenset()


def test_erased_is_one_value_that_equals_only_itself():
    assert Erased() is ERASED and Erased() == ERASED and ERASED != "erased"
    assert {"name", "v_number", "born_on", "note", "reason", "correction_reason"} == PERSONAL_FIELDS
