"""The dependent-permit index aggregate: one per V-number, the holders of a dependent permit under
it, recording only what changes; and which members of a case hold one."""

from __future__ import annotations

from datetime import date
from uuid import uuid5

from domain.facts import Permit
from domain.permit_index import NAMESPACE, DependentPermitIndex, Holding, holdings_of
from tests.unit.builders import member

V = "2000000001"
ISSUED_ON = date(2026, 3, 12)
HELD = Holding(V, "case-a", "m1", ISSUED_ON)


def an_index(*holdings: Holding) -> DependentPermitIndex:
    index = DependentPermitIndex(V)
    for holding in holdings:
        index.record(holding)
    index.collect_events()
    return index


def pending(index: DependentPermitIndex) -> list[str]:
    return [type(e).__name__ for e in index.collect_events()]


def test_the_index_of_a_v_number_has_an_id_anyone_can_compute_from_it():
    assert DependentPermitIndex(V).id == uuid5(NAMESPACE, V) == DependentPermitIndex.create_id(V)
    assert DependentPermitIndex.create_id("2000000002") != DependentPermitIndex.create_id(V)


def test_a_recorded_holder_makes_the_v_number_hold_a_permit_from_its_issue_date_on():
    index = an_index(HELD)
    assert not index.holds_on(date(2026, 3, 11))
    assert index.holds_on(ISSUED_ON)
    assert index.holds_on(date(2026, 6, 1))
    assert index.holdings() == {HELD}


def test_an_index_without_holders_holds_no_permit_on_any_day():
    assert not DependentPermitIndex(V).holds_on(date(2100, 1, 1))


def test_recording_a_holder_again_as_it_is_records_nothing():
    index = an_index(HELD)
    index.record(HELD)
    assert pending(index) == []


def test_recording_a_holder_with_another_issue_date_records_it_again():
    index = an_index(HELD)
    index.record(Holding(V, "case-a", "m1", date(2026, 3, 20)))
    assert pending(index) == ["DependentPermitRecorded"]
    assert not index.holds_on(ISSUED_ON)


def test_a_removed_holder_no_longer_counts_and_others_still_do():
    other = Holding(V, "case-b", "m7", date(2026, 5, 1))
    index = an_index(HELD, other)
    index.remove(HELD)
    assert pending(index) == ["DependentPermitRemoved"]
    assert index.holdings() == {other}
    assert not index.holds_on(date(2026, 4, 30))
    assert index.holds_on(date(2026, 5, 1))


def test_removing_a_holder_that_is_not_recorded_records_nothing():
    index = an_index(HELD)
    index.remove(Holding(V, "case-a", "m2", ISSUED_ON))
    assert pending(index) == []


def test_a_case_holds_a_permit_for_each_member_with_a_v_number_and_a_permit():
    permit = Permit(ISSUED_ON, date(2026, 3, 10))
    members = [
        member("m1", "partner", v_number=V, permit=permit),
        member("m2", "child", v_number="2000000002"),  # no permit yet
        member("m3", "child", permit=permit),  # no V-number
    ]
    assert holdings_of("case-a", members) == {HELD}
