"""Every rule of DOMAIN.md ("Rules, evaluated per family member on date D"), one table per rule.

Each table row is a case, the date D it is judged on, and the outcome DOMAIN.md gives. Rules are
evaluated through `evaluate_member`, as the application does, and the result is picked by rule id.
The member under test is always "m"; other members of the case have other ids.
"""

from __future__ import annotations

from datetime import date

import pytest

from domain.eligibility import evaluate_member
from domain.facts import CaseFacts
from domain.policy import NAREIS_VW2000, POLICY_VERSIONS, PolicyVersion, policy_in_force_on
from domain.rules import RuleContext, RuleResult
from domain.vocabulary import Outcome, Overall, Route, RuleId
from tests.unit.builders import (
    GRANTED_ON,
    SPONSOR_ARRIVED_ON,
    TERM_ENDS_ON,
    application,
    assessment,
    case,
    decision,
    doc,
    member,
    withdrawal,
)
from tests.unit.rule_helpers import (
    AFTER_TERM,
    BIRTHDAY,
    DAY_BEFORE_BIRTHDAY,
    LATE_GRANT,
    MET,
    NOT_APPLICABLE,
    NOT_MET,
    UNKNOWN,
    D,
    born_years_before_birthday,
    child,
    child_of_partner,
    parent,
    partner,
    partner_p,
)


def rule_result(
    facts: CaseFacts,
    rule_id: RuleId,
    on: date = D,
    dependent: bool = False,
    member_id: str = "m",
) -> RuleResult:
    results = evaluate_member(facts, member_id, on, sponsor_holds_dependent_permit=dependent).rules
    result = next(r for r in results if r.id == rule_id)
    assert result.reason.strip(), f"{rule_id} gave no reason"
    return result


# --- sponsor_has_asylum_permit -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("facts", "on", "expected"),
    [
        pytest.param(case(partner()), D, MET, id="granted-before-D"),
        pytest.param(case(partner()), GRANTED_ON, MET, id="granted-on-D"),
        pytest.param(case(partner(), grant_on=None), D, UNKNOWN, id="no-grant"),
        pytest.param(case(partner(), grant_on=date(2026, 3, 11)), D, UNKNOWN, id="grant-after-D"),
    ],
)
def test_the_sponsor_has_an_asylum_permit_once_the_grant_is_on_or_before_the_date(
    facts: CaseFacts, on: date, expected: Outcome
) -> None:
    assert rule_result(facts, RuleId.SPONSOR_HAS_ASYLUM_PERMIT, on).outcome == expected


def test_the_asylum_permit_reason_names_the_grant_date() -> None:
    assert "2026-01-15" in rule_result(case(partner()), RuleId.SPONSOR_HAS_ASYLUM_PERMIT).reason


# --- sponsor_permit_independent ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("facts", "dependent", "expected"),
    [
        pytest.param(case(partner()), False, MET, id="independent"),
        pytest.param(case(partner(), permit_kind="dependent"), False, NOT_MET, id="dependent-kind"),
        pytest.param(case(partner()), True, NOT_MET, id="sponsor-holds-dependent-permit"),
        pytest.param(case(partner(), grant_on=None), False, UNKNOWN, id="no-grant"),
        pytest.param(
            case(partner(), grant_on=date(2026, 3, 11)), False, UNKNOWN, id="grant-after-D"
        ),
    ],
)
def test_the_sponsor_permit_must_be_independent_and_the_sponsor_no_dependent_permit_holder(
    facts: CaseFacts, dependent: bool, expected: Outcome
) -> None:
    assert rule_result(facts, RuleId.SPONSOR_PERMIT_INDEPENDENT, D, dependent).outcome == expected


# --- mentioned_in_asylum_procedure, family_bond_abroad -------------------------------------------


@pytest.mark.parametrize(
    ("mentioned", "expected"),
    [pytest.param(True, MET, id="mentioned"), pytest.param(False, NOT_MET, id="not-mentioned")],
)
def test_a_member_must_have_been_mentioned_in_the_asylum_procedure(
    mentioned: bool, expected: Outcome
) -> None:
    facts = case(child(mentioned_in_asylum_procedure=mentioned))
    assert rule_result(facts, RuleId.MENTIONED_IN_ASYLUM_PROCEDURE).outcome == expected


@pytest.mark.parametrize(
    ("bond", "expected"),
    [pytest.param(True, MET, id="part-of-family"), pytest.param(False, NOT_MET, id="not-part")],
)
def test_a_member_must_have_been_part_of_the_sponsors_family_abroad(
    bond: bool, expected: Outcome
) -> None:
    facts = case(parent(family_bond_abroad=bond))
    assert rule_result(facts, RuleId.FAMILY_BOND_ABROAD).outcome == expected


# --- timely --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("facts", "on", "expected"),
    [
        pytest.param(
            case(partner(arrived_on=SPONSOR_ARRIVED_ON)),
            AFTER_TERM,
            MET,
            id="arrived-on-the-sponsors-arrival-day",
        ),
        pytest.param(
            case(partner(arrived_on=date(2025, 5, 1))), AFTER_TERM, MET, id="arrived-before-sponsor"
        ),
        pytest.param(
            case(partner(arrived_on=date(2025, 5, 21))),
            D,
            UNKNOWN,
            id="arrived-a-day-after-sponsor-term-open",
        ),
        pytest.param(
            case(partner(arrived_on=date(2025, 5, 21))),
            AFTER_TERM,
            NOT_MET,
            id="arrived-a-day-after-sponsor-term-expired",
        ),
        pytest.param(
            case(partner(application=application(TERM_ENDS_ON))),
            AFTER_TERM,
            MET,
            id="applied-on-the-terms-last-day",
        ),
        pytest.param(
            case(partner(application=application(AFTER_TERM))),
            AFTER_TERM,
            NOT_MET,
            id="applied-the-day-after-the-term",
        ),
        pytest.param(
            case(partner(application=application(date(2026, 3, 2))), grant_on=LATE_GRANT),
            date(2026, 3, 5),
            MET,
            id="applied-on-the-monday-the-weekend-end-moved-to",
        ),
        pytest.param(
            case(partner(application=application(date(2026, 3, 3))), grant_on=LATE_GRANT),
            date(2026, 3, 5),
            NOT_MET,
            id="applied-the-day-after-the-moved-end",
        ),
        pytest.param(
            case(partner(application=application(date(2026, 1, 10), "in_netherlands"))),
            D,
            MET,
            id="applied-before-the-grant-date",
        ),
        pytest.param(
            case(partner(application=application(date(2026, 1, 10))), grant_on=None),
            D,
            MET,
            id="applied-while-no-grant-is-recorded",
        ),
        pytest.param(
            case(partner(application=application(date(2026, 3, 1))), grant_on=date(2026, 3, 20)),
            D,
            MET,
            id="applied-while-the-grant-is-dated-after-D",
        ),
        pytest.param(case(partner()), D, UNKNOWN, id="no-application-term-open"),
        pytest.param(case(partner()), TERM_ENDS_ON, UNKNOWN, id="no-application-last-day"),
        pytest.param(case(partner()), AFTER_TERM, NOT_MET, id="no-application-term-expired"),
        pytest.param(case(partner(), grant_on=None), D, UNKNOWN, id="no-application-no-grant"),
        pytest.param(
            case(partner(application=application(date(2026, 4, 20)))),
            date(2026, 4, 10),
            UNKNOWN,
            id="late-application-dated-after-D-is-not-there-yet",
        ),
    ],
)
def test_a_member_is_timely_when_arrived_with_the_sponsor_or_applied_within_the_term(
    facts: CaseFacts, on: date, expected: Outcome
) -> None:
    assert rule_result(facts, RuleId.TIMELY, on).outcome == expected


def test_the_timely_reason_names_the_application_date_and_the_terms_last_day() -> None:
    reason = rule_result(
        case(partner(application=application(AFTER_TERM))), RuleId.TIMELY, AFTER_TERM
    )
    assert "2026-04-16" in reason.reason
    assert "2026-04-15" in reason.reason


# --- partner_adult -------------------------------------------------------------------------------

EIGHTEEN_ON_BIRTHDAY = born_years_before_birthday(18)


@pytest.mark.parametrize(
    ("facts", "on", "expected"),
    [
        pytest.param(case(child()), D, NOT_APPLICABLE, id="a-child"),
        pytest.param(case(partner(application=application(BIRTHDAY))), D, MET, id="both-adults"),
        pytest.param(
            case(partner(born_on=EIGHTEEN_ON_BIRTHDAY, application=application(BIRTHDAY))),
            D,
            MET,
            id="member-turns-18-on-the-application-day",
        ),
        pytest.param(
            case(
                partner(born_on=EIGHTEEN_ON_BIRTHDAY, application=application(DAY_BEFORE_BIRTHDAY))
            ),
            D,
            NOT_MET,
            id="member-17-on-the-application-day-though-18-on-D",
        ),
        pytest.param(
            case(partner(born_on=EIGHTEEN_ON_BIRTHDAY)), BIRTHDAY, MET, id="no-application-18-on-D"
        ),
        pytest.param(
            case(partner(born_on=EIGHTEEN_ON_BIRTHDAY)),
            DAY_BEFORE_BIRTHDAY,
            NOT_MET,
            id="no-application-17-on-D",
        ),
        pytest.param(
            case(partner(application=application(BIRTHDAY)), born_on=EIGHTEEN_ON_BIRTHDAY),
            D,
            MET,
            id="sponsor-turns-18-on-the-application-day",
        ),
        pytest.param(
            case(
                partner(application=application(DAY_BEFORE_BIRTHDAY)), born_on=EIGHTEEN_ON_BIRTHDAY
            ),
            D,
            NOT_MET,
            id="sponsor-17-on-the-application-day",
        ),
        pytest.param(
            case(partner(born_on=date(2008, 2, 29), application=application(DAY_BEFORE_BIRTHDAY))),
            D,
            NOT_MET,
            id="born-29-february-not-yet-18-on-28-february",
        ),
        pytest.param(
            case(partner(born_on=date(2008, 2, 29), application=application(BIRTHDAY))),
            D,
            MET,
            id="born-29-february-18-on-1-march",
        ),
    ],
)
def test_a_partner_is_adult_only_when_both_are_18_on_the_application_date(
    facts: CaseFacts, on: date, expected: Outcome
) -> None:
    assert rule_result(facts, RuleId.PARTNER_ADULT, on).outcome == expected


# --- single_partner ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        pytest.param(case(child()), NOT_APPLICABLE, id="a-child"),
        pytest.param(case(partner()), MET, id="the-only-partner"),
        pytest.param(
            case(partner(), member("p2", "partner", application=application(date(2026, 2, 1)))),
            MET,
            id="another-partner-pending",
        ),
        pytest.param(
            case(
                partner(), member("p2", "partner", decision=decision("refused", date(2026, 3, 1)))
            ),
            MET,
            id="another-partner-refused",
        ),
        pytest.param(
            case(
                partner(), member("p2", "partner", decision=decision("granted", date(2026, 3, 1)))
            ),
            NOT_MET,
            id="another-partner-granted",
        ),
        pytest.param(
            case(
                partner(), member("p2", "partner", decision=decision("granted", date(2026, 3, 11)))
            ),
            MET,
            id="another-partner-granted-after-D",
        ),
        pytest.param(
            case(
                partner(decision=decision("granted", date(2026, 3, 1))),
                member("p2", "partner", decision=decision("granted", date(2026, 3, 5))),
            ),
            MET,
            id="this-partner-was-granted-first",
        ),
        pytest.param(
            case(
                partner(decision=decision("granted", date(2026, 3, 5))),
                member("p2", "partner", decision=decision("granted", date(2026, 3, 1))),
            ),
            NOT_MET,
            id="the-other-partner-was-granted-first",
        ),
    ],
)
def test_only_one_partner_comes_and_the_first_partner_granted_is_the_one(
    facts: CaseFacts, expected: Outcome
) -> None:
    assert rule_result(facts, RuleId.SINGLE_PARTNER).outcome == expected


def test_the_single_partner_reason_names_the_partner_who_was_granted() -> None:
    facts = case(partner(), member("p2", "partner", decision=decision("granted", date(2026, 3, 1))))
    assert "p2" in rule_result(facts, RuleId.SINGLE_PARTNER).reason


# --- partner_relationship ------------------------------------------------------------------------

DURABLE = "durable_exclusive_relationship"


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        pytest.param(case(child()), NOT_APPLICABLE, id="a-child"),
        pytest.param(case(partner()), MET, id="married"),
        pytest.param(
            case(
                partner(
                    marital_status="unmarried",
                    assessments=[assessment(DURABLE, "met", date(2026, 2, 1))],
                )
            ),
            MET,
            id="unmarried-durable-relationship-met",
        ),
        pytest.param(
            case(
                partner(
                    marital_status="unmarried",
                    assessments=[assessment(DURABLE, "not_met", date(2026, 2, 1))],
                )
            ),
            NOT_MET,
            id="unmarried-durable-relationship-not-met",
        ),
        pytest.param(
            case(partner(marital_status="unmarried")), UNKNOWN, id="unmarried-not-assessed"
        ),
        pytest.param(
            case(
                partner(
                    marital_status="unmarried",
                    assessments=[assessment(DURABLE, "met", date(2026, 3, 11))],
                )
            ),
            UNKNOWN,
            id="unmarried-assessed-after-D",
        ),
        pytest.param(
            case(
                partner(
                    marital_status="unmarried",
                    assessments=[
                        assessment(DURABLE, "met", date(2026, 2, 10), sequence=1),
                        assessment(DURABLE, "not_met", date(2026, 2, 1), sequence=2),
                    ],
                )
            ),
            MET,
            id="the-latest-assessed-on-counts-not-the-latest-recorded",
        ),
    ],
)
def test_a_partner_is_married_or_in_an_assessed_durable_exclusive_relationship(
    facts: CaseFacts, expected: Outcome
) -> None:
    assert rule_result(facts, RuleId.PARTNER_RELATIONSHIP).outcome == expected


def test_a_failed_durable_relationship_assessment_wins_over_marriage() -> None:
    # DOMAIN.md leaves open whether marriage or a failed finding wins; like every not_met finding,
    # it wins (a marriage of convenience is not a durable, exclusive relationship).
    married_but_found_not_durable = case(
        partner(assessments=[assessment(DURABLE, "not_met", date(2026, 2, 1))])
    )
    result = rule_result(married_but_found_not_durable, RuleId.PARTNER_RELATIONSHIP)
    assert result.outcome == NOT_MET
    assert "2026-02-01" in result.reason


# --- child_belongs_to_family ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        pytest.param(case(partner()), NOT_APPLICABLE, id="a-partner"),
        pytest.param(case(child()), MET, id="child-of-sponsor"),
        pytest.param(
            case(
                child(child_of="sponsor_and_partner", partner_member_id="p"),
                partner_p(decision=decision("refused", date(2026, 3, 1))),
            ),
            MET,
            id="child-of-sponsor-and-refused-partner",
        ),
        pytest.param(
            case(child_of_partner(), partner_p()), MET, id="child-of-partner-who-may-come"
        ),
        pytest.param(
            case(child_of_partner(), partner_p(decision=decision("refused", date(2026, 3, 1)))),
            NOT_MET,
            id="child-of-refused-partner",
        ),
        pytest.param(
            case(child_of_partner(), partner_p(decision=decision("refused", date(2026, 3, 11)))),
            MET,
            id="child-of-partner-refused-after-D",
        ),
        pytest.param(
            case(child_of_partner(), partner_p(withdrawal=withdrawal(date(2026, 3, 1)))),
            NOT_MET,
            id="child-of-withdrawn-partner",
        ),
        pytest.param(
            case(
                child_of_partner(),
                partner_p(),
                member("p2", "partner", decision=decision("granted", date(2026, 3, 1))),
            ),
            NOT_MET,
            id="child-of-partner-blocked-by-single-partner",
        ),
        pytest.param(
            case(
                child_of_partner(),
                partner_p(decision=decision("granted", date(2026, 3, 1))),
                member("p2", "partner", decision=decision("granted", date(2026, 3, 5))),
            ),
            MET,
            id="child-of-the-first-granted-partner",
        ),
        pytest.param(case(child_of_partner()), NOT_MET, id="named-partner-not-in-case"),
        pytest.param(
            case(child_of_partner(), member("p", "child")),
            NOT_MET,
            id="named-partner-is-not-a-partner-member",
        ),
    ],
)
def test_a_child_belongs_to_the_family_when_the_sponsors_or_a_partners_who_may_come(
    facts: CaseFacts, expected: Outcome
) -> None:
    assert rule_result(facts, RuleId.CHILD_BELONGS_TO_FAMILY).outcome == expected


# --- child_age -----------------------------------------------------------------------------------

BOND, TIES = "family_bond_intact", "more_than_normal_emotional_ties"


def child_aged(years: int, applied_on: date = BIRTHDAY, *findings: tuple[str, str]):
    return child(
        born_on=born_years_before_birthday(years),
        application=application(applied_on),
        assessments=[assessment(c, o, date(2026, 3, 5)) for c, o in findings],
    )


@pytest.mark.parametrize(
    ("facts", "on", "expected"),
    [
        pytest.param(case(partner()), D, NOT_APPLICABLE, id="a-partner"),
        pytest.param(case(child()), D, MET, id="a-young-child"),
        pytest.param(
            case(child_aged(18, DAY_BEFORE_BIRTHDAY)), D, MET, id="17-on-the-application-day"
        ),
        pytest.param(case(child_aged(18)), D, UNKNOWN, id="18-on-the-application-day-no-finding"),
        pytest.param(
            case(child(born_on=born_years_before_birthday(18))),
            DAY_BEFORE_BIRTHDAY,
            MET,
            id="no-application-17-on-D",
        ),
        pytest.param(
            case(child(born_on=born_years_before_birthday(18))),
            BIRTHDAY,
            UNKNOWN,
            id="no-application-18-on-D",
        ),
        pytest.param(case(child_aged(18, BIRTHDAY, (BOND, "met"))), D, MET, id="18-bond-met"),
        pytest.param(
            case(child_aged(18, BIRTHDAY, (BOND, "not_met"))), D, NOT_MET, id="18-bond-not-met"
        ),
        pytest.param(
            case(child_aged(18, BIRTHDAY, (BOND, "met"))),
            date(2026, 3, 4),
            UNKNOWN,
            id="18-bond-assessed-after-D",
        ),
        pytest.param(
            case(child_aged(25, BIRTHDAY, (BOND, "met"))), D, MET, id="25-bond-met-is-enough"
        ),
        pytest.param(
            case(child_aged(26, BIRTHDAY, (BOND, "met"))), D, UNKNOWN, id="26-bond-met-ties-missing"
        ),
        pytest.param(
            case(child_aged(26, DAY_BEFORE_BIRTHDAY, (BOND, "met"))),
            D,
            MET,
            id="25-on-the-application-day-though-26-on-D",
        ),
        pytest.param(
            case(child_aged(26, BIRTHDAY, (BOND, "met"), (TIES, "met"))),
            D,
            MET,
            id="26-bond-and-ties-met",
        ),
        pytest.param(
            case(child_aged(26, BIRTHDAY, (BOND, "met"), (TIES, "not_met"))),
            D,
            NOT_MET,
            id="26-ties-not-met",
        ),
        pytest.param(
            case(child_aged(26, BIRTHDAY, (BOND, "not_met"))),
            D,
            NOT_MET,
            id="26-bond-not-met-ties-missing",
        ),
    ],
)
def test_a_child_is_a_minor_or_an_adult_child_with_the_assessed_family_bond(
    facts: CaseFacts, on: date, expected: Outcome
) -> None:
    assert rule_result(facts, RuleId.CHILD_AGE, on).outcome == expected


# --- parent_of_unaccompanied_minor ---------------------------------------------------------------

SIGNED_ON = date(2025, 6, 1)
MINOR_SPONSOR = {
    "born_on": date(2009, 1, 1),  # 16 at signing, 18 on 2027-01-01
    "asylum_application_signed_on": SIGNED_ON,
    "unaccompanied_minor": True,
}
TURNS_18_IN_JUNE = date(2008, 6, 1)  # 17 at signing; adult from 2026-06-01, after the term
TURNS_18_IN_TERM = date(2008, 3, 1)  # 17 at signing; adult from 2026-03-01, inside the term


def minor_sponsor_case(*members, **overrides):
    return case(*members, **(MINOR_SPONSOR | overrides))


@pytest.mark.parametrize(
    ("facts", "on", "expected"),
    [
        pytest.param(minor_sponsor_case(partner()), D, NOT_APPLICABLE, id="a-partner"),
        pytest.param(
            minor_sponsor_case(parent(parent_kind="other", application=application(D))),
            D,
            NOT_MET,
            id="not-a-biological-parent",
        ),
        pytest.param(
            minor_sponsor_case(parent(application=application(D)), unaccompanied_minor=False),
            D,
            NOT_MET,
            id="sponsor-not-unaccompanied",
        ),
        pytest.param(
            minor_sponsor_case(parent(application=application(D)), born_on=date(2007, 6, 1)),
            D,
            NOT_MET,
            id="sponsor-18-on-the-signing-day",
        ),
        pytest.param(
            minor_sponsor_case(parent(application=application(D)), born_on=date(2007, 6, 2)),
            D,
            MET,
            id="sponsor-17-on-the-signing-day",
        ),
        pytest.param(
            minor_sponsor_case(
                parent(application=application(TERM_ENDS_ON)), born_on=TURNS_18_IN_TERM
            ),
            date(2026, 5, 1),
            MET,
            id="applied-on-the-terms-last-day-sponsor-adult-by-then",
        ),
        pytest.param(
            minor_sponsor_case(
                parent(application=application(AFTER_TERM)), born_on=TURNS_18_IN_TERM
            ),
            date(2026, 5, 1),
            NOT_MET,
            id="applied-the-day-after-the-term-sponsor-adult",
        ),
        pytest.param(
            minor_sponsor_case(parent(application=application(date(2026, 1, 10))), grant_on=None),
            D,
            MET,
            id="applied-before-a-grant",
        ),
        pytest.param(
            minor_sponsor_case(parent(application=application(date(2026, 6, 1)))),
            date(2026, 6, 2),
            MET,
            id="applied-after-the-term-while-the-sponsor-is-under-18",
        ),
        pytest.param(
            minor_sponsor_case(
                parent(application=application(date(2026, 5, 31))), born_on=TURNS_18_IN_JUNE
            ),
            date(2026, 6, 2),
            MET,
            id="applied-after-the-term-the-day-before-the-sponsor-turns-18",
        ),
        pytest.param(
            minor_sponsor_case(
                parent(application=application(date(2026, 6, 1))), born_on=TURNS_18_IN_JUNE
            ),
            date(2026, 6, 2),
            NOT_MET,
            id="applied-after-the-term-on-the-sponsors-18th-birthday",
        ),
        pytest.param(
            minor_sponsor_case(parent(), born_on=TURNS_18_IN_TERM),
            D,
            UNKNOWN,
            id="no-application-term-open-sponsor-adult",
        ),
        pytest.param(
            minor_sponsor_case(parent()),
            AFTER_TERM,
            UNKNOWN,
            id="no-application-sponsor-still-minor",
        ),
        pytest.param(
            minor_sponsor_case(parent(), grant_on=None), D, UNKNOWN, id="no-application-no-grant"
        ),
        pytest.param(
            minor_sponsor_case(parent(), born_on=TURNS_18_IN_TERM),
            AFTER_TERM,
            NOT_MET,
            id="no-application-term-expired-and-sponsor-adult",
        ),
    ],
)
def test_a_parent_comes_only_to_an_unaccompanied_minor_while_the_minor_status_lasts(
    facts: CaseFacts, on: date, expected: Outcome
) -> None:
    assert rule_result(facts, RuleId.PARENT_OF_UNACCOMPANIED_MINOR, on).outcome == expected


# --- no_criminal_record --------------------------------------------------------------------------

CLEAR = "criminal_record_clear"
ANTECEDENTS = "antecedents_certificate"
TWELVE_ON_BIRTHDAY = born_years_before_birthday(12)


@pytest.mark.parametrize(
    ("facts", "on", "expected"),
    [
        pytest.param(
            case(child(born_on=TWELVE_ON_BIRTHDAY, application=application(DAY_BEFORE_BIRTHDAY))),
            D,
            NOT_APPLICABLE,
            id="11-on-the-application-day-though-12-on-D",
        ),
        pytest.param(
            case(child(born_on=TWELVE_ON_BIRTHDAY, application=application(BIRTHDAY))),
            D,
            UNKNOWN,
            id="12-on-the-application-day-no-certificate",
        ),
        pytest.param(
            case(child(born_on=TWELVE_ON_BIRTHDAY)),
            DAY_BEFORE_BIRTHDAY,
            NOT_APPLICABLE,
            id="no-application-11-on-D",
        ),
        pytest.param(
            case(child(born_on=TWELVE_ON_BIRTHDAY)),
            BIRTHDAY,
            UNKNOWN,
            id="no-application-12-on-D",
        ),
        pytest.param(
            case(
                child(
                    born_on=TWELVE_ON_BIRTHDAY,
                    application=application(BIRTHDAY),
                    documents=[doc(ANTECEDENTS, BIRTHDAY)],
                )
            ),
            D,
            MET,
            id="12-with-certificate",
        ),
        pytest.param(
            case(partner(documents=[doc(ANTECEDENTS, date(2026, 3, 11))])),
            D,
            UNKNOWN,
            id="certificate-received-after-D",
        ),
        pytest.param(
            case(
                partner(
                    documents=[doc(ANTECEDENTS, date(2026, 2, 1))],
                    assessments=[assessment(CLEAR, "not_met", date(2026, 3, 1))],
                )
            ),
            D,
            NOT_MET,
            id="not-met-finding-wins-over-certificate",
        ),
        pytest.param(
            case(partner(assessments=[assessment(CLEAR, "not_met", date(2026, 3, 1))])),
            D,
            NOT_MET,
            id="not-met-finding-without-certificate",
        ),
        pytest.param(
            case(
                partner(
                    documents=[doc(ANTECEDENTS, date(2026, 2, 1))],
                    assessments=[
                        assessment(CLEAR, "not_met", date(2026, 3, 1)),
                        assessment(CLEAR, "met", date(2026, 3, 5)),
                    ],
                )
            ),
            D,
            MET,
            id="a-later-met-finding-replaces-the-not-met-one",
        ),
        pytest.param(
            case(
                partner(
                    documents=[doc(ANTECEDENTS, date(2026, 2, 1))],
                    assessments=[assessment(CLEAR, "not_met", date(2026, 3, 11))],
                )
            ),
            D,
            MET,
            id="not-met-finding-after-D-does-not-count-yet",
        ),
    ],
)
def test_from_12_a_member_needs_an_antecedents_certificate_and_no_adverse_finding(
    facts: CaseFacts, on: date, expected: Outcome
) -> None:
    assert rule_result(facts, RuleId.NO_CRIMINAL_RECORD, on).outcome == expected


def test_the_criminal_record_reason_names_the_certificate_and_its_date() -> None:
    facts = case(partner(documents=[doc(ANTECEDENTS, date(2026, 2, 1))]))
    reason = rule_result(facts, RuleId.NO_CRIMINAL_RECORD).reason
    assert ANTECEDENTS in reason
    assert "2026-02-01" in reason


# --- non_impediment_certificate ------------------------------------------------------------------

NON_IMPEDIMENT = "non_impediment_certificate"
FIFTEEN_ON_BIRTHDAY = born_years_before_birthday(15)


@pytest.mark.parametrize(
    ("facts", "on", "expected"),
    [
        pytest.param(
            case(child(born_on=FIFTEEN_ON_BIRTHDAY, application=application(DAY_BEFORE_BIRTHDAY))),
            D,
            NOT_APPLICABLE,
            id="14-on-the-application-day",
        ),
        pytest.param(
            case(child(born_on=FIFTEEN_ON_BIRTHDAY, application=application(BIRTHDAY))),
            D,
            UNKNOWN,
            id="15-on-the-application-day-no-certificate",
        ),
        pytest.param(
            case(
                child(
                    born_on=FIFTEEN_ON_BIRTHDAY,
                    application=application(BIRTHDAY),
                    documents=[doc(NON_IMPEDIMENT, date(2026, 3, 2))],
                )
            ),
            D,
            MET,
            id="15-with-certificate",
        ),
        pytest.param(
            case(child(born_on=FIFTEEN_ON_BIRTHDAY)),
            BIRTHDAY,
            UNKNOWN,
            id="no-application-15-on-D",
        ),
        pytest.param(
            case(partner(documents=[doc(NON_IMPEDIMENT, date(2026, 3, 11))])),
            D,
            UNKNOWN,
            id="adult-certificate-received-after-D",
        ),
    ],
)
def test_from_15_a_member_needs_a_certificate_of_non_impediment(
    facts: CaseFacts, on: date, expected: Outcome
) -> None:
    assert rule_result(facts, RuleId.NON_IMPEDIMENT_CERTIFICATE, on).outcome == expected


# --- custodial_parent_consent --------------------------------------------------------------------

CONSENT = "custodial_parent_consent"


def child_of_both(**overrides: object):
    return child(child_of="sponsor_and_partner", partner_member_id="p", **overrides)


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        pytest.param(case(partner()), NOT_APPLICABLE, id="a-partner"),
        pytest.param(case(child()), UNKNOWN, id="child-of-sponsor-no-consent"),
        pytest.param(
            case(child(documents=[doc(CONSENT, date(2026, 3, 1))])),
            MET,
            id="child-of-sponsor-with-consent",
        ),
        pytest.param(
            case(child(documents=[doc(CONSENT, date(2026, 3, 11))])),
            UNKNOWN,
            id="child-of-sponsor-consent-received-after-D",
        ),
        pytest.param(
            case(child(born_on=born_years_before_birthday(18), application=application(BIRTHDAY))),
            NOT_APPLICABLE,
            id="adult-child-of-sponsor",
        ),
        pytest.param(
            case(child_of_both(), partner_p()),
            NOT_APPLICABLE,
            id="child-of-both-partner-comes",
        ),
        pytest.param(
            case(child_of_both(), partner_p(decision=decision("refused", date(2026, 3, 1)))),
            UNKNOWN,
            id="child-of-both-partner-refused-no-consent",
        ),
        pytest.param(
            case(
                child_of_both(documents=[doc(CONSENT, date(2026, 3, 2))]),
                partner_p(decision=decision("refused", date(2026, 3, 1))),
            ),
            MET,
            id="child-of-both-partner-refused-with-consent",
        ),
        pytest.param(
            case(child_of_both(), partner_p(withdrawal=withdrawal(date(2026, 3, 1)))),
            UNKNOWN,
            id="child-of-both-partner-withdrawn",
        ),
        pytest.param(
            case(child_of_both(), partner_p(decision=decision("refused", date(2026, 3, 11)))),
            NOT_APPLICABLE,
            id="child-of-both-partner-refused-after-D",
        ),
        pytest.param(case(child_of_partner(), partner_p()), NOT_APPLICABLE, id="child-of-partner"),
    ],
)
def test_a_minor_child_whose_other_parent_stays_behind_needs_that_parents_consent(
    facts: CaseFacts, expected: Outcome
) -> None:
    assert rule_result(facts, RuleId.CUSTODIAL_PARENT_CONSENT).outcome == expected


# --- sponsor_declaration -------------------------------------------------------------------------

DECLARATION = "sponsor_declaration"


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        pytest.param(case(parent(documents=[doc(DECLARATION, D)])), MET, id="received-on-D"),
        pytest.param(case(parent()), UNKNOWN, id="not-received"),
        pytest.param(
            case(parent(documents=[doc(DECLARATION, date(2026, 3, 11))])),
            UNKNOWN,
            id="received-after-D",
        ),
        pytest.param(
            case(parent(documents=[doc("other", date(2026, 3, 1))])),
            UNKNOWN,
            id="only-another-kind-received",
        ),
    ],
)
def test_a_member_needs_the_sponsors_declaration(facts: CaseFacts, expected: Outcome) -> None:
    assert rule_result(facts, RuleId.SPONSOR_DECLARATION).outcome == expected


# --- identity_proven, family_ties_proven ---------------------------------------------------------

PROOF_RULES = [
    pytest.param(
        RuleId.IDENTITY_PROVEN, "identity_document", "identity_established", id="identity"
    ),
    pytest.param(
        RuleId.FAMILY_TIES_PROVEN, "family_tie_document", "family_ties_established", id="ties"
    ),
]
EARLY, LATE = date(2026, 2, 1), date(2026, 2, 10)

# (documents as (official, received_on), findings as (outcome, assessed_on, sequence), expected)
PROOF_CASES = [
    pytest.param([(True, EARLY)], [], MET, id="official-document"),
    pytest.param([(False, EARLY)], [("met", LATE, 1)], MET, id="unofficial-and-assessed-met"),
    pytest.param([(False, EARLY)], [], UNKNOWN, id="unofficial-not-assessed"),
    pytest.param([], [], UNKNOWN, id="no-document"),
    pytest.param([], [("met", LATE, 1)], UNKNOWN, id="assessed-met-but-no-document"),
    pytest.param(
        [(False, EARLY)], [("not_met", LATE, 1)], NOT_MET, id="unofficial-assessed-not-met"
    ),
    pytest.param([(True, EARLY)], [("not_met", LATE, 1)], NOT_MET, id="not-met-beats-official"),
    pytest.param(
        [(True, EARLY)],
        [("not_met", EARLY, 1), ("met", LATE, 2)],
        MET,
        id="later-met-replaces-not-met",
    ),
    pytest.param(
        [(True, EARLY)],
        [("not_met", LATE, 1), ("met", EARLY, 2)],
        NOT_MET,
        id="latest-assessed-on-counts-not-latest-recorded",
    ),
    pytest.param(
        [(False, EARLY)],
        [("met", LATE, 1), ("not_met", LATE, 2)],
        NOT_MET,
        id="same-day-tie-goes-to-the-later-recorded-not-met",
    ),
    pytest.param(
        [(False, EARLY)],
        [("not_met", LATE, 1), ("met", LATE, 2)],
        MET,
        id="same-day-tie-goes-to-the-later-recorded-met",
    ),
    pytest.param([(True, date(2026, 3, 11))], [], UNKNOWN, id="official-received-after-D"),
    pytest.param([(False, EARLY)], [("met", date(2026, 3, 11), 1)], UNKNOWN, id="assessed-after-D"),
    pytest.param(
        [(True, EARLY)],
        [("not_met", date(2026, 3, 11), 1)],
        MET,
        id="not-met-after-D-does-not-count-yet",
    ),
]


@pytest.mark.parametrize(("rule_id", "kind", "criterion"), PROOF_RULES)
@pytest.mark.parametrize(("documents", "findings", "expected"), PROOF_CASES)
def test_identity_and_family_ties_are_proven_by_official_or_assessed_unofficial_documents(
    rule_id: RuleId,
    kind: str,
    criterion: str,
    documents: list[tuple[bool, date]],
    findings: list[tuple[str, date, int]],
    expected: Outcome,
) -> None:
    facts = case(
        child(
            documents=[doc(kind, on, official=official) for official, on in documents],
            assessments=[assessment(criterion, o, on, sequence=s) for o, on, s in findings],
        )
    )
    assert rule_result(facts, rule_id).outcome == expected


@pytest.mark.parametrize(("rule_id", "kind", "criterion"), PROOF_RULES)
def test_a_document_of_another_kind_proves_nothing(
    rule_id: RuleId, kind: str, criterion: str
) -> None:
    facts = case(child(documents=[doc("other", EARLY)]))
    result = rule_result(facts, rule_id)
    assert result.outcome == UNKNOWN
    assert result.missing_document == kind


# --- the member's answer: verdict, route, rule list, missing documents, policy ------------------

ALL_RULE_IDS = [
    "sponsor_has_asylum_permit",
    "sponsor_permit_independent",
    "mentioned_in_asylum_procedure",
    "family_bond_abroad",
    "timely",
    "partner_adult",
    "single_partner",
    "partner_relationship",
    "child_belongs_to_family",
    "child_age",
    "parent_of_unaccompanied_minor",
    "no_criminal_record",
    "non_impediment_certificate",
    "custodial_parent_consent",
    "sponsor_declaration",
    "identity_proven",
    "family_ties_proven",
]
ALL_DOCUMENTS = [
    doc(kind, date(2026, 2, 1))
    for kind in (
        "identity_document",
        "family_tie_document",
        "antecedents_certificate",
        "non_impediment_certificate",
        "sponsor_declaration",
    )
]


def complete_partner(**overrides: object):
    values: dict[str, object] = {
        "application": application(date(2026, 2, 1)),
        "documents": ALL_DOCUMENTS,
    }
    return partner(**(values | overrides))


@pytest.mark.parametrize(
    ("facts", "on", "overall"),
    [
        pytest.param(case(complete_partner()), D, Overall.ELIGIBLE, id="all-met"),
        pytest.param(
            case(complete_partner(documents=ALL_DOCUMENTS[:-1])),
            D,
            Overall.INCOMPLETE,
            id="a-document-missing",
        ),
        pytest.param(
            case(complete_partner(), grant_on=None), D, Overall.INCOMPLETE, id="no-grant-yet"
        ),
        pytest.param(
            case(complete_partner(documents=ALL_DOCUMENTS[:-1], family_bond_abroad=False)),
            D,
            Overall.INELIGIBLE,
            id="not-met-outweighs-unknown",
        ),
        pytest.param(
            case(complete_partner(application=application(AFTER_TERM))),
            AFTER_TERM,
            Overall.INELIGIBLE,
            id="late",
        ),
    ],
)
def test_a_member_is_ineligible_on_any_not_met_else_incomplete_on_any_unknown_else_eligible(
    facts: CaseFacts, on: date, overall: Overall
) -> None:
    answer = evaluate_member(facts, "m", on, sponsor_holds_dependent_permit=False)
    assert answer.overall == overall


@pytest.mark.parametrize(
    ("facts", "on", "route"),
    [
        pytest.param(
            case(complete_partner(application=application(AFTER_TERM))),
            AFTER_TERM,
            Route.REGULAR,
            id="late-application",
        ),
        pytest.param(case(partner()), AFTER_TERM, Route.REGULAR, id="no-application-term-expired"),
        pytest.param(case(partner()), D, Route.NAREIS, id="timely-unknown"),
        pytest.param(
            case(complete_partner(mentioned_in_asylum_procedure=False)),
            D,
            Route.NAREIS,
            id="ineligible-for-another-rule",
        ),
        pytest.param(
            case(partner(arrived_on=SPONSOR_ARRIVED_ON)),
            AFTER_TERM,
            Route.NAREIS,
            id="arrived-with-the-sponsor",
        ),
    ],
)
def test_the_route_is_regular_exactly_when_timely_is_not_met(
    facts: CaseFacts, on: date, route: Route
) -> None:
    assert evaluate_member(facts, "m", on, sponsor_holds_dependent_permit=False).route == route


@pytest.mark.parametrize(
    "facts",
    [
        pytest.param(case(partner()), id="partner"),
        pytest.param(case(child()), id="child"),
        pytest.param(case(parent()), id="parent"),
        pytest.param(case(parent(), grant_on=None), id="parent-no-grant"),
    ],
)
def test_every_member_gets_all_17_rules_in_domain_order_each_with_a_reason(
    facts: CaseFacts,
) -> None:
    answer = evaluate_member(facts, "m", D, sponsor_holds_dependent_permit=False)
    assert [r.id for r in answer.rules] == ALL_RULE_IDS
    assert all(r.reason.strip() for r in answer.rules)


def test_missing_documents_lists_the_kinds_of_the_unknown_document_rules() -> None:
    facts = case(
        child(
            born_on=born_years_before_birthday(15),
            application=application(BIRTHDAY),
            documents=[doc("identity_document", EARLY), doc("family_tie_document", EARLY)],
        )
    )
    answer = evaluate_member(facts, "m", D, sponsor_holds_dependent_permit=False)
    assert set(answer.missing_documents) == {
        "antecedents_certificate",
        "non_impediment_certificate",
        "custodial_parent_consent",
        "sponsor_declaration",
    }
    unknown_document_rules = {
        r.missing_document for r in answer.rules if r.outcome == UNKNOWN and r.missing_document
    }
    assert set(answer.missing_documents) == unknown_document_rules


def test_a_member_with_every_document_misses_none() -> None:
    answer = evaluate_member(case(complete_partner()), "m", D, sponsor_holds_dependent_permit=False)
    assert answer.missing_documents == ()


def test_the_answer_names_the_policy_version_it_was_judged_under() -> None:
    answer = evaluate_member(case(partner()), "m", D, sponsor_holds_dependent_permit=False)
    assert answer.policy == "nareis-vw2000-v1" == NAREIS_VW2000.id
    assert POLICY_VERSIONS[0].rule_ids == tuple(ALL_RULE_IDS)


# --- rules change over time ----------------------------------------------------------------------

TWO_STATUS_FROM = date(2026, 3, 1)


def _nuclear_family_only(ctx: RuleContext) -> RuleResult:
    return RuleResult(
        RuleId.PARENT_OF_UNACCOMPANIED_MINOR, NOT_MET, "two-status system: nuclear family only"
    )


TWO_STATUS = PolicyVersion(
    id="nareis-two-status-test",
    title="A later, narrower version (test only)",
    in_force_from=TWO_STATUS_FROM,
    rules=tuple(
        (rule_id, _nuclear_family_only if rule_id == RuleId.PARENT_OF_UNACCOMPANIED_MINOR else rule)
        for rule_id, rule in NAREIS_VW2000.rules
    ),
)
VERSIONS = (TWO_STATUS, NAREIS_VW2000)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        pytest.param(date(2000, 1, 1), NAREIS_VW2000, id="before-every-version-the-earliest"),
        pytest.param(date(2026, 2, 28), NAREIS_VW2000, id="the-day-before-the-new-version"),
        pytest.param(TWO_STATUS_FROM, TWO_STATUS, id="the-day-the-new-version-starts"),
        pytest.param(date(2027, 1, 1), TWO_STATUS, id="after-the-new-version-starts"),
    ],
)
def test_the_policy_in_force_is_the_latest_version_dated_on_or_before_the_day(
    day: date, expected: PolicyVersion
) -> None:
    assert policy_in_force_on(day, VERSIONS) == expected


@pytest.mark.parametrize(
    ("submitted_on", "policy", "outcome"),
    [
        pytest.param(date(2026, 2, 28), NAREIS_VW2000.id, MET, id="submitted-before-the-change"),
        pytest.param(TWO_STATUS_FROM, TWO_STATUS.id, NOT_MET, id="submitted-on-the-change"),
    ],
)
def test_a_member_is_judged_under_the_version_in_force_on_the_application_date(
    submitted_on: date, policy: str, outcome: Outcome
) -> None:
    facts = minor_sponsor_case(parent(application=application(submitted_on)))
    answer = evaluate_member(facts, "m", D, sponsor_holds_dependent_permit=False, versions=VERSIONS)
    assert answer.policy == policy
    parent_rule = next(r for r in answer.rules if r.id == RuleId.PARENT_OF_UNACCOMPANIED_MINOR)
    assert parent_rule.outcome == outcome


@pytest.mark.parametrize(
    ("on", "policy"),
    [
        pytest.param(date(2026, 2, 28), NAREIS_VW2000.id, id="D-before-the-change"),
        pytest.param(TWO_STATUS_FROM, TWO_STATUS.id, id="D-on-the-change"),
    ],
)
def test_without_an_application_the_version_in_force_on_the_date_applies(
    on: date, policy: str
) -> None:
    answer = evaluate_member(
        case(parent()), "m", on, sponsor_holds_dependent_permit=False, versions=VERSIONS
    )
    assert answer.policy == policy


def test_an_application_dated_after_the_date_does_not_choose_the_version() -> None:
    facts = case(parent(application=application(date(2026, 3, 5))))
    answer = evaluate_member(
        facts, "m", date(2026, 2, 20), sponsor_holds_dependent_permit=False, versions=VERSIONS
    )
    assert answer.policy == NAREIS_VW2000.id
