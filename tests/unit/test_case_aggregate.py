"""The Case aggregate: guards refuse before anything is recorded; corrections; replay."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from eventsourcing.application import project_aggregate

from domain.case import Case
from domain.errors import (
    AlreadyDecided,
    AlreadyWithdrawn,
    ApplicationMissing,
    CorrectionWithoutReason,
    DateBeforeApplication,
    DateBeforeBirth,
    DecisionMissing,
    DecisionPeriodAlreadyExtended,
    FutureBusinessDate,
    GrantRequiresEligibility,
    MemberNotFound,
    MemberWithdrawn,
    NotAPartnerMember,
    PartnerParentOfChildren,
    PermitAlreadyIssued,
    PermitBeforeDecision,
    RefusalWithoutGrounds,
    RelationshipFieldMismatch,
    ValueNotInList,
)
from domain.facts import MemberDetails, Sponsor

TODAY = date(2026, 11, 28)
D = date.fromisoformat


def sponsor(**changes) -> Sponsor:
    values = dict(
        v_number="1000000001",
        name="Amal",
        born_on=D("1988-03-14"),
        asylum_application_signed_on=D("2025-06-02"),
        arrived_on=D("2025-05-28"),
        unaccompanied_minor=False,
    )
    values.update(changes)
    return Sponsor(**values)


def partner(**changes) -> MemberDetails:
    values = dict(
        name="Samir",
        born_on=D("1987-09-01"),
        relationship="partner",
        mentioned_in_asylum_procedure=True,
        family_bond_abroad=True,
        marital_status="married",
    )
    values.update(changes)
    return MemberDetails(**values)


def opened_case() -> Case:
    case = Case.open(sponsor(), actor="alice", today=TODAY)
    case.grant_sponsor_permit(D("2025-11-30"), "independent", actor="alice", today=TODAY)
    case.register_member("m1", partner(), actor="alice", today=TODAY)
    return case


def complete_file(case: Case, member_id: str = "m1", on: str = "2026-02-27") -> None:
    case.submit_application(member_id, D(on), "mvv_abroad", actor="alice", today=TODAY)
    for kind in (
        "identity_document",
        "family_tie_document",
        "sponsor_declaration",
        "antecedents_certificate",
        "non_impediment_certificate",
    ):
        case.receive_document(member_id, D(on), kind, True, actor="alice", today=TODAY)


def replayed(case: Case) -> Case:
    return project_aggregate(None, case.collect_events())


def refuse(case: Case, error: type[Exception], command) -> None:
    """`command` is refused for exactly the reason `error` (not a parent or sibling class) and
    records nothing."""
    before = len(case.pending_events)
    with pytest.raises(error) as refused:
        command(case)
    assert type(refused.value) is error, f"refused as {type(refused.value).__name__}"
    assert len(case.pending_events) == before, "a refused command must record nothing"


def test_every_event_names_its_actor_and_carries_only_plain_values():
    case = opened_case()
    complete_file(case)
    for recorded in case.pending_events:
        assert recorded.actor == "alice"
        payload = {
            k: v for k, v in vars(recorded).items() if k not in ("originator_id", "timestamp")
        }
        for value in payload.values():
            assert isinstance(value, str | int | bool | date | list | type(None)), value


def test_recorded_at_never_decreases_within_a_case_even_if_the_clock_steps_back(monkeypatch):
    case = opened_case()
    last_recorded = case.modified_on
    clock_gone_back = last_recorded - timedelta(hours=2)
    monkeypatch.setattr(
        Case.FamilyMemberArrived, "create_timestamp", staticmethod(lambda: clock_gone_back)
    )
    case.record_arrival("m1", D("2026-03-01"), actor="alice", today=TODAY)
    assert case.pending_events[-1].timestamp == last_recorded


def test_replaying_the_events_gives_the_same_case():
    case = opened_case()
    complete_file(case)
    case.record_assessment(
        "m1", D("2026-03-01"), "identity_established", "met", "ok", actor="alice", today=TODAY
    )
    facts = case.facts()
    assert replayed(case).facts() == facts


def test_a_grant_resent_with_the_same_values_records_nothing():
    case = opened_case()
    case.collect_events()
    case.grant_sponsor_permit(D("2025-11-30"), "independent", actor="alice", today=TODAY)
    assert case.pending_events == []


def test_a_grant_with_other_values_is_a_correction_that_needs_a_reason():
    case = opened_case()
    refuse(
        case,
        CorrectionWithoutReason,
        lambda c: c.grant_sponsor_permit(
            D("2025-12-01"), "independent", actor="alice", today=TODAY
        ),
    )
    case.grant_sponsor_permit(
        D("2025-12-01"), "independent", "typo in the date", actor="alice", today=TODAY
    )
    corrected = case.pending_events[-1]
    assert type(corrected).__name__ == "SponsorPermitGrantCorrected"
    assert corrected.correction_reason == "typo in the date"
    assert case.grant.granted_on == D("2025-12-01")


@pytest.mark.parametrize(
    ("command", "correction"),
    [
        (
            lambda c, r: c.record_arrival("m1", D("2026-03-02"), r, actor="a", today=TODAY),
            "FamilyMemberArrivalCorrected",
        ),
        (
            lambda c, r: c.submit_application(
                "m1", D("2026-03-02"), "mvv_abroad", r, actor="a", today=TODAY
            ),
            "ApplicationCorrected",
        ),
        (
            lambda c, r: c.correct_member_details(
                "m1", partner(name="Samir H."), r, actor="a", today=TODAY
            ),
            "FamilyMemberDetailsCorrected",
        ),
        (
            lambda c, r: c.correct_sponsor_details(
                sponsor(name="Amal H."), r, actor="a", today=TODAY
            ),
            "SponsorDetailsCorrected",
        ),
    ],
    ids=["arrival", "application", "member details", "sponsor details"],
)
def test_each_correctable_fact_is_corrected_by_its_own_event_with_a_reason(command, correction):
    case = opened_case()
    case.record_arrival("m1", D("2026-03-01"), actor="a", today=TODAY)
    case.submit_application("m1", D("2026-03-01"), "mvv_abroad", actor="a", today=TODAY)
    refuse(case, CorrectionWithoutReason, lambda c: command(c, None))
    refuse(case, CorrectionWithoutReason, lambda c: command(c, "   "))
    command(case, "wrong in the file")
    assert type(case.pending_events[-1]).__name__ == correction
    assert replayed(case).facts() == case.facts()


def test_the_same_values_resent_to_any_correctable_fact_record_nothing():
    case = opened_case()
    case.record_arrival("m1", D("2026-03-01"), actor="a", today=TODAY)
    case.submit_application("m1", D("2026-03-01"), "mvv_abroad", actor="a", today=TODAY)
    case.collect_events()
    case.record_arrival("m1", D("2026-03-01"), actor="a", today=TODAY)
    case.submit_application("m1", D("2026-03-01"), "mvv_abroad", actor="a", today=TODAY)
    case.correct_member_details("m1", partner(), None, actor="a", today=TODAY)
    case.correct_sponsor_details(sponsor(), None, actor="a", today=TODAY)
    assert case.pending_events == []


def test_each_document_received_is_a_new_fact():
    case = opened_case()
    for _ in range(2):
        case.receive_document(
            "m1", D("2026-03-01"), "identity_document", False, actor="a", today=TODAY
        )
    assert len(case.member("m1").documents) == 2


@pytest.mark.parametrize(
    ("error", "command"),
    [
        (
            ApplicationMissing,
            lambda c: c.take_decision(
                "m1",
                D("2026-03-01"),
                "refused",
                ["timely"],
                sponsor_holds_dependent_permit=False,
                actor="a",
                today=TODAY,
            ),
        ),
        (
            DecisionMissing,
            lambda c: c.issue_permit(
                "m1", D("2026-03-01"), D("2026-03-01"), actor="a", today=TODAY
            ),
        ),
        (
            ApplicationMissing,
            lambda c: c.extend_decision_period(
                "m1", D("2026-03-01"), "busy", actor="a", today=TODAY
            ),
        ),
        (
            FutureBusinessDate,
            lambda c: c.record_arrival("m1", TODAY + timedelta(days=1), actor="a", today=TODAY),
        ),
        (
            FutureBusinessDate,
            lambda c: c.grant_sponsor_permit(
                TODAY + timedelta(days=1), "independent", "r", actor="a", today=TODAY
            ),
        ),
        (
            DateBeforeBirth,
            lambda c: c.receive_document(
                "m1", D("1987-08-31"), "other", True, actor="a", today=TODAY
            ),
        ),
        (
            DateBeforeBirth,
            lambda c: c.grant_sponsor_permit(
                D("1988-03-13"), "independent", "r", actor="a", today=TODAY
            ),
        ),
        (
            MemberNotFound,
            lambda c: c.record_arrival("nobody", D("2026-03-01"), actor="a", today=TODAY),
        ),
        (
            ValueNotInList,
            lambda c: c.receive_document(
                "m1", D("2026-03-01"), "passport", True, actor="a", today=TODAY
            ),
        ),
        (
            ValueNotInList,
            lambda c: c.record_assessment(
                "m1", D("2026-03-01"), "vibes", "met", "", actor="a", today=TODAY
            ),
        ),
        (
            ValueNotInList,
            lambda c: c.grant_sponsor_permit(
                D("2025-11-30"), "temporary", "r", actor="a", today=TODAY
            ),
        ),
    ],
    ids=[
        "decision without application",
        "permit without granted decision",
        "extension without application",
        "future arrival",
        "future grant",
        "document before the member's birth",
        "grant before the sponsor's birth",
        "unknown member",
        "unknown document kind",
        "unknown criterion",
        "unknown permit kind",
    ],
)
def test_commands_that_make_no_sense_are_refused_and_record_nothing(error, command):
    refuse(opened_case(), error, command)


def test_a_second_decision_a_second_withdrawal_and_a_second_extension_are_refused():
    case = opened_case()
    complete_file(case)
    case.extend_decision_period(
        "m1", D("2026-04-01"), "waiting for documents", actor="a", today=TODAY
    )
    refuse(
        case,
        DecisionPeriodAlreadyExtended,
        lambda c: c.extend_decision_period("m1", D("2026-04-02"), "again", actor="a", today=TODAY),
    )
    case.take_decision(
        "m1",
        D("2026-05-01"),
        "granted",
        [],
        sponsor_holds_dependent_permit=False,
        actor="a",
        today=TODAY,
    )
    refuse(
        case,
        AlreadyDecided,
        lambda c: c.take_decision(
            "m1",
            D("2026-05-02"),
            "refused",
            ["timely"],
            sponsor_holds_dependent_permit=False,
            actor="a",
            today=TODAY,
        ),
    )
    case.withdraw("m1", D("2026-06-01"), "no longer comes", actor="a", today=TODAY)
    refuse(
        case,
        AlreadyWithdrawn,
        lambda c: c.withdraw("m1", D("2026-06-02"), "again", actor="a", today=TODAY),
    )


def test_a_grant_is_refused_unless_the_member_is_eligible_on_the_decision_date():
    case = opened_case()
    case.submit_application("m1", D("2026-02-27"), "mvv_abroad", actor="a", today=TODAY)
    refuse(
        case,
        GrantRequiresEligibility,
        lambda c: c.take_decision(
            "m1",
            D("2026-03-01"),
            "granted",
            [],
            sponsor_holds_dependent_permit=False,
            actor="a",
            today=TODAY,
        ),
    )
    complete_file_documents_on = "2026-03-05"
    for kind in (
        "identity_document",
        "family_tie_document",
        "sponsor_declaration",
        "antecedents_certificate",
        "non_impediment_certificate",
    ):
        case.receive_document(
            "m1", D(complete_file_documents_on), kind, True, actor="a", today=TODAY
        )
    # Documents received after the decision date do not count for it.
    refuse(
        case,
        GrantRequiresEligibility,
        lambda c: c.take_decision(
            "m1",
            D("2026-03-04"),
            "granted",
            [],
            sponsor_holds_dependent_permit=False,
            actor="a",
            today=TODAY,
        ),
    )
    refuse(
        case,
        GrantRequiresEligibility,
        lambda c: c.take_decision(
            "m1",
            D("2026-03-05"),
            "granted",
            [],
            sponsor_holds_dependent_permit=True,
            actor="a",
            today=TODAY,
        ),
    )
    case.take_decision(
        "m1",
        D("2026-03-05"),
        "granted",
        [],
        sponsor_holds_dependent_permit=False,
        actor="a",
        today=TODAY,
    )
    assert case.member("m1").is_granted


def test_a_refusal_must_name_the_rules_it_rests_on():
    case = opened_case()
    complete_file(case)
    refuse(
        case,
        RefusalWithoutGrounds,
        lambda c: c.take_decision(
            "m1",
            D("2026-03-05"),
            "refused",
            [],
            sponsor_holds_dependent_permit=False,
            actor="a",
            today=TODAY,
        ),
    )
    refuse(
        case,
        ValueNotInList,
        lambda c: c.take_decision(
            "m1",
            D("2026-03-05"),
            "refused",
            ["no_such_rule"],
            sponsor_holds_dependent_permit=False,
            actor="a",
            today=TODAY,
        ),
    )


def test_dates_that_would_put_a_fact_before_what_it_depends_on_are_refused():
    case = opened_case()
    complete_file(case, on="2026-02-27")
    refuse(
        case,
        DateBeforeApplication,
        lambda c: c.take_decision(
            "m1",
            D("2026-02-26"),
            "refused",
            ["timely"],
            sponsor_holds_dependent_permit=False,
            actor="a",
            today=TODAY,
        ),
    )
    case.take_decision(
        "m1",
        D("2026-03-10"),
        "granted",
        [],
        sponsor_holds_dependent_permit=False,
        actor="a",
        today=TODAY,
    )
    refuse(
        case,
        PermitBeforeDecision,
        lambda c: c.issue_permit("m1", D("2026-03-09"), D("2026-03-01"), actor="a", today=TODAY),
    )
    refuse(
        case,
        DateBeforeApplication,
        lambda c: c.submit_application(
            "m1", D("2026-03-11"), "mvv_abroad", "later date", actor="a", today=TODAY
        ),
    )
    # valid_from may precede issued_on (DOMAIN.md).
    case.issue_permit("m1", D("2026-03-12"), D("2026-03-10"), actor="a", today=TODAY)
    refuse(
        case,
        PermitAlreadyIssued,
        lambda c: c.issue_permit("m1", D("2026-03-13"), D("2026-03-10"), actor="a", today=TODAY),
    )


def test_a_withdrawn_member_gets_no_new_application_decision_permit_or_extension():
    case = opened_case()
    case.withdraw("m1", D("2026-01-10"), "stays behind", actor="a", today=TODAY)
    refuse(
        case,
        MemberWithdrawn,
        lambda c: c.submit_application("m1", D("2026-02-01"), "mvv_abroad", actor="a", today=TODAY),
    )
    case.register_member("m2", partner(name="Nadia"), actor="a", today=TODAY)
    complete_file(case, "m2", on="2026-02-27")
    case.withdraw("m2", D("2026-03-01"), "stays behind", actor="a", today=TODAY)
    for command in (
        lambda c: c.take_decision(
            "m2",
            D("2026-03-10"),
            "granted",
            [],
            sponsor_holds_dependent_permit=False,
            actor="a",
            today=TODAY,
        ),
        lambda c: c.take_decision(
            "m2",
            D("2026-03-10"),
            "refused",
            ["timely"],
            sponsor_holds_dependent_permit=False,
            actor="a",
            today=TODAY,
        ),
        lambda c: c.issue_permit("m2", D("2026-03-12"), D("2026-03-12"), actor="a", today=TODAY),
        lambda c: c.extend_decision_period(
            "m2", D("2026-03-10"), "investigation", actor="a", today=TODAY
        ),
    ):
        refuse(case, MemberWithdrawn, command)


@pytest.mark.parametrize(
    ("details", "error"),
    [
        (partner(marital_status=None), RelationshipFieldMismatch),
        (partner(child_of="sponsor"), RelationshipFieldMismatch),
        (partner(relationship="cousin"), ValueNotInList),
        (partner(marital_status="engaged"), ValueNotInList),
        (
            MemberDetails(
                "Lina",
                D("2016-05-20"),
                "child",
                True,
                True,
                child_of="partner",
                child_kind="biological",
            ),
            RelationshipFieldMismatch,
        ),
        (
            MemberDetails(
                "Lina",
                D("2016-05-20"),
                "child",
                True,
                True,
                child_of="sponsor",
                child_kind="biological",
                partner_member_id="m1",
            ),
            RelationshipFieldMismatch,
        ),
        (
            MemberDetails(
                "Lina",
                D("2016-05-20"),
                "child",
                True,
                True,
                child_of="partner",
                child_kind="biological",
                partner_member_id="nobody",
            ),
            NotAPartnerMember,
        ),
        (MemberDetails("Mother", D("1960-01-01"), "parent", True, True), RelationshipFieldMismatch),
    ],
    ids=[
        "partner without marital status",
        "partner with a child field",
        "unknown relationship",
        "unknown marital status",
        "child of a partner without naming the partner",
        "child of the sponsor naming a partner",
        "child naming a member who is no partner",
        "parent without parent kind",
    ],
)
def test_member_details_that_cannot_be_are_bad_input(details, error):
    refuse(
        opened_case(),
        error,
        lambda c: c.register_member("m2", details, actor="a", today=TODAY),
    )


def test_a_partner_named_as_a_childs_parent_cannot_become_another_relationship():
    case = opened_case()
    case.register_member(
        "c1",
        MemberDetails(
            "Lina",
            D("2016-05-20"),
            "child",
            True,
            True,
            child_of="sponsor_and_partner",
            child_kind="biological",
            partner_member_id="m1",
        ),
        actor="a",
        today=TODAY,
    )
    refuse(
        case,
        PartnerParentOfChildren,
        lambda c: c.correct_member_details(
            "m1",
            partner(relationship="parent", marital_status=None, parent_kind="other"),
            "was the mother",
            actor="a",
            today=TODAY,
        ),
    )


def test_a_birth_date_correction_may_not_put_recorded_facts_before_the_birth():
    case = opened_case()
    case.record_arrival("m1", D("2026-03-01"), actor="a", today=TODAY)
    refuse(
        case,
        DateBeforeBirth,
        lambda c: c.correct_member_details(
            "m1", partner(born_on=D("2026-03-02")), "typo", actor="a", today=TODAY
        ),
    )


def test_assessments_recorded_on_the_same_date_are_ordered_by_recording():
    case = opened_case()
    case.record_assessment(
        "m1", D("2026-03-01"), "identity_established", "not_met", "", actor="a", today=TODAY
    )
    case.record_assessment(
        "m1", D("2026-03-01"), "identity_established", "met", "", actor="a", today=TODAY
    )
    finding = case.member("m1").finding("identity_established")
    assert finding.outcome == "met"
    assert replayed(case).member("m1").finding("identity_established") == finding


def test_a_copy_of_a_case_shares_no_mutable_state_with_the_original():
    from copy import deepcopy

    case = opened_case()
    clone = deepcopy(case)
    clone.record_arrival("m1", D("2026-03-01"), actor="a", today=TODAY)
    clone.register_member("m2", partner(name="Other"), actor="a", today=TODAY)
    assert case.member("m1").arrived_on is None
    assert "m2" not in case.members
    assert len(case.pending_events) == 3 and len(clone.pending_events) == 5
    assert clone.version == case.version + 2


def test_a_permit_valid_from_a_future_date_is_refused():
    case = opened_case()
    complete_file(case)
    case.take_decision(
        "m1",
        D("2026-03-10"),
        "granted",
        [],
        sponsor_holds_dependent_permit=False,
        actor="a",
        today=TODAY,
    )
    refuse(
        case,
        FutureBusinessDate,
        lambda c: c.issue_permit("m1", D("2026-03-12"), date(9999, 12, 31), actor="a", today=TODAY),
    )
