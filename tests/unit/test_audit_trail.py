"""The audit trail of one case, built from its events: entries, corrections' old and new values."""

from __future__ import annotations

from datetime import date

from application.audit_trail import AuditTrail, business_date_of
from domain.case import Case
from tests.unit.test_case_aggregate import TODAY, opened_case, partner, sponsor

D = date.fromisoformat


def _events(case: Case) -> list:
    return list(case.collect_events())


def test_each_event_is_an_entry_oldest_first_with_its_actor_and_business_data():
    trail = AuditTrail.of(_events(opened_case()))
    assert [e.event for e in trail.entries] == [
        "CaseOpened",
        "SponsorPermitGranted",
        "FamilyMemberRegistered",
    ]
    assert [e.version for e in trail.entries] == [1, 2, 3]
    assert {e.actor for e in trail.entries} == {"alice"}
    grant = trail.entries[1]
    assert grant.data == {"granted_on": D("2025-11-30"), "permit_kind": "independent"}
    assert grant.changes is None
    assert grant.reason is None


def test_a_correction_shows_only_the_fields_it_changed_old_and_new_and_its_reason():
    case = opened_case()
    case.correct_sponsor_details(sponsor(name="Amal H."), "typo", actor="bob", today=TODAY)
    case.correct_member_details(
        "m1", partner(marital_status="unmarried"), "misread", actor="bob", today=TODAY
    )
    sponsor_entry, member_entry = AuditTrail.of(_events(case)).entries[-2:]
    assert sponsor_entry.changes == {"old": {"name": "Amal"}, "new": {"name": "Amal H."}}
    assert sponsor_entry.reason == "typo"
    assert member_entry.changes == {
        "old": {"marital_status": "married"},
        "new": {"marital_status": "unmarried"},
    }


def test_corrections_of_a_grant_an_arrival_and_an_application_show_their_old_values():
    case = opened_case()
    case.record_arrival("m1", D("2026-01-10"), actor="a", today=TODAY)
    case.submit_application("m1", D("2026-02-27"), "mvv_abroad", actor="a", today=TODAY)
    case.grant_sponsor_permit(D("2025-12-01"), "independent", "date", actor="a", today=TODAY)
    case.record_arrival("m1", D("2026-01-11"), "date", actor="a", today=TODAY)
    case.submit_application("m1", D("2026-02-27"), "in_netherlands", "chan", actor="a", today=TODAY)
    grant, arrival, application = (e.changes for e in AuditTrail.of(_events(case)).entries[-3:])
    assert grant == {"old": {"granted_on": D("2025-11-30")}, "new": {"granted_on": D("2025-12-01")}}
    assert arrival == {
        "old": {"arrived_on": D("2026-01-10")},
        "new": {"arrived_on": D("2026-01-11")},
    }
    assert application == {"old": {"channel": "mvv_abroad"}, "new": {"channel": "in_netherlands"}}


def test_as_of_leaves_out_facts_dated_after_it_and_keeps_facts_without_a_business_date():
    case = opened_case()
    case.submit_application("m1", D("2026-02-27"), "mvv_abroad", actor="a", today=TODAY)
    trail = AuditTrail.of(_events(case), as_of=D("2026-01-01"))
    assert [e.event for e in trail.entries] == [
        "CaseOpened",
        "SponsorPermitGranted",
        "FamilyMemberRegistered",
    ]
    assert trail.case is not None
    assert trail.case.version == 4  # the case is replayed from every event all the same


def test_the_business_date_of_an_event_is_the_date_its_fact_happened_or_none():
    opened, granted, registered = _events(opened_case())
    assert business_date_of(opened) is None
    assert business_date_of(granted) == D("2025-11-30")
    assert business_date_of(registered) is None


def test_decision_entries_carry_the_grounds_not_supported_and_other_entries_none():
    case = opened_case()
    case.submit_application("m1", D("2026-02-27"), "mvv_abroad", actor="a", today=TODAY)
    case.take_decision(
        "m1",
        D("2026-03-10"),
        "refused",
        ["timely"],
        sponsor_holds_dependent_permit=False,
        actor="a",
        today=TODAY,
    )
    trail = AuditTrail.of(_events(case))
    marked = trail.with_grounds_marked({"m1": ("timely",)})
    assert [e.ground_not_supported for e in marked] == [None, None, None, None, ("timely",)]
    assert trail.with_grounds_marked({})[-1].ground_not_supported == ()
