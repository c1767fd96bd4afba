"""DOMAIN.md "Settled questions": one test per bullet, each named after its question, and each able
to fail if the choice were flipped (the other answer is checked next to it wherever there is one).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from domain.case import MAX_MEMBERS, Case
from domain.deadline import case_deadline
from domain.eligibility import evaluate_member, grounds_not_supported, refusal_dates
from domain.errors import (
    ArrivalAfterAsylumApplication,
    BlankText,
    DateBeforeApplication,
    ForbiddenCharacter,
    FutureBusinessDate,
    GrantBeforeAsylumApplication,
    ImplausibleDate,
    MemberWithdrawn,
    PermitBeforeDecision,
    TooManyMembers,
    ValueNotInList,
)
from domain.facts import CaseFacts, Decision, MemberDetails, Sponsor
from domain.plausibility import (
    check_arrived_by_asylum_application,
    check_plausible_birth_date,
    check_plausible_date,
)
from domain.typed_text import check_not_blank, check_typed_text
from domain.vocabulary import ApplicationTimeliness, Outcome, Overall, Route, RuleId
from tests.unit.builders import (
    TERM_ENDS_ON,
    application,
    assessment,
    case,
    doc,
    member,
    withdrawal,
)

MET, NOT_MET = Outcome.MET, Outcome.NOT_MET
UNKNOWN, NOT_APPLICABLE = Outcome.UNKNOWN, Outcome.NOT_APPLICABLE
D = date(2026, 3, 10)
TODAY = date(2026, 11, 28)


def result(facts: CaseFacts, rule: RuleId, on: date = D, member_id: str = "m"):
    answer = evaluate_member(facts, member_id, on, sponsor_holds_dependent_permit=False)
    return next(r for r in answer.rules if r.id == rule)


# --- a durable, exclusive relationship is asked of married partners too ------------------------


def test_settled_a_durable_relationship_not_met_makes_partner_relationship_not_met_even_if_married():
    married = member("m", "partner", marital_status="married")
    assert result(case(married), RuleId.PARTNER_RELATIONSHIP).outcome == MET
    found_not_durable = member(
        "m",
        "partner",
        marital_status="married",
        assessments=[assessment("durable_exclusive_relationship", "not_met", date(2026, 3, 1))],
    )
    assert result(case(found_not_durable), RuleId.PARTNER_RELATIONSHIP).outcome == NOT_MET


# --- 12 is the age of criminal responsibility ---------------------------------------------------


def _child_aged_on_application(age: int, **overrides: object):
    """A child who is `age` on the application date 2026-03-01, with a not-met criminal finding."""
    return member(
        "m",
        "child",
        born_on=date(2026 - age, 3, 1),
        application=application(date(2026, 3, 1)),
        assessments=[assessment("criminal_record_clear", "not_met", date(2026, 3, 2))],
        **overrides,
    )


def test_settled_under_12_no_criminal_record_is_not_applicable_even_with_a_not_met_finding():
    assert result(case(_child_aged_on_application(11)), RuleId.NO_CRIMINAL_RECORD).outcome == (
        NOT_APPLICABLE
    )
    assert result(case(_child_aged_on_application(12)), RuleId.NO_CRIMINAL_RECORD).outcome == (
        NOT_MET
    )


# --- dates in the order of the procedure (409) --------------------------------------------------


def _sponsor() -> Sponsor:
    return Sponsor(
        "1000000001", "Amal", date(1988, 3, 14), date(2025, 6, 2), date(2025, 5, 28), False
    )


def _partner() -> MemberDetails:
    return MemberDetails("Samir", date(1987, 9, 1), "partner", True, True, marital_status="married")


FULL_FILE = (
    "identity_document",
    "family_tie_document",
    "sponsor_declaration",
    "antecedents_certificate",
    "non_impediment_certificate",
)


def _applied_case(submitted_on: date = date(2026, 2, 27)) -> Case:
    case_ = Case.open(_sponsor(), actor="a", today=TODAY)
    case_.grant_sponsor_permit(date(2025, 11, 30), "independent", actor="a", today=TODAY)
    case_.register_member("m", _partner(), actor="a", today=TODAY)
    case_.submit_application("m", submitted_on, "mvv_abroad", actor="a", today=TODAY)
    for kind in FULL_FILE:
        case_.receive_document("m", submitted_on, kind, True, actor="a", today=TODAY)
    return case_


def _decide(case_: Case, on: date, outcome: str = "granted", grounds: tuple[str, ...] = ()):
    case_.take_decision(
        "m",
        on,
        outcome,
        list(grounds),
        sponsor_holds_dependent_permit=False,
        actor="a",
        today=TODAY,
    )


def _refused(case_: Case, error: type[Exception], command) -> None:
    before = len(case_.pending_events)
    with pytest.raises(error) as refused:
        command(case_)
    assert type(refused.value) is error
    assert len(case_.pending_events) == before


@pytest.mark.parametrize(
    "command",
    [
        lambda c, day: _decide(c, day, "refused", ("timely",)),
        lambda c, day: c.extend_decision_period("m", day, "r", actor="a", today=TODAY),
        lambda c, day: c.withdraw("m", day, "stays", actor="a", today=TODAY),
    ],
    ids=["decision", "extension", "withdrawal"],
)
def test_settled_a_decision_extension_or_withdrawal_dated_before_the_application_is_refused(
    command,
):
    case_ = _applied_case(date(2026, 2, 27))
    _refused(case_, DateBeforeApplication, lambda c: command(c, date(2026, 2, 26)))
    command(case_, date(2026, 2, 27))


def test_settled_a_permit_dated_before_its_decision_is_refused():
    case_ = _applied_case()
    _decide(case_, date(2026, 3, 10))
    _refused(
        case_,
        PermitBeforeDecision,
        lambda c: c.issue_permit("m", date(2026, 3, 9), date(2026, 3, 9), actor="a", today=TODAY),
    )
    case_.issue_permit("m", date(2026, 3, 10), date(2026, 3, 9), actor="a", today=TODAY)


def test_settled_a_permit_valid_from_after_today_is_refused():
    case_ = _applied_case()
    _decide(case_, date(2026, 3, 10))
    _refused(
        case_,
        FutureBusinessDate,
        lambda c: c.issue_permit(
            "m", date(2026, 3, 12), date(2026, 11, 29), actor="a", today=TODAY
        ),
    )
    case_.issue_permit("m", date(2026, 3, 12), TODAY, actor="a", today=TODAY)


# --- a withdrawn member ---------------------------------------------------------------------------


def test_settled_a_withdrawn_member_gets_no_new_decision_yet_their_eligibility_is_still_computed():
    case_ = _applied_case()
    case_.withdraw("m", date(2026, 3, 1), "stays behind", actor="a", today=TODAY)
    _refused(case_, MemberWithdrawn, lambda c: _decide(c, date(2026, 3, 10)))
    answer = evaluate_member(case_.facts(), "m", D, sponsor_holds_dependent_permit=False)
    assert answer.overall == Overall.ELIGIBLE
    assert len(answer.rules) == len(RuleId)


def test_settled_a_withdrawn_members_eligibility_is_judged_by_the_rules_alone():
    facts = case(
        member(
            "m",
            "partner",
            application=application(date(2026, 2, 1)),
            documents=[doc(kind, date(2026, 2, 1)) for kind in FULL_FILE],
            withdrawal=withdrawal(date(2026, 3, 1)),
        )
    )
    answer = evaluate_member(facts, "m", D, sponsor_holds_dependent_permit=False)
    assert (answer.overall, answer.route) == (Overall.ELIGIBLE, Route.NAREIS)


# --- a refusal's grounds ---------------------------------------------------------------------------


def test_settled_a_refusals_grounds_must_be_rule_ids():
    case_ = _applied_case()
    _refused(case_, ValueNotInList, lambda c: _decide(c, D, "refused", ("no_such_rule",)))
    _refused(case_, ValueNotInList, lambda c: _decide(c, D, "refused", ("timely", "TIMELY")))


def test_settled_a_refusal_on_a_ground_whose_rule_is_met_is_accepted():
    case_ = _applied_case()
    assert result(case_.facts(), RuleId.IDENTITY_PROVEN).outcome == MET
    _decide(case_, D, "refused", ("identity_proven",))
    assert case_.member("m").is_refused


# --- certificates count whether official or not -------------------------------------------------

CERTIFICATES = [
    pytest.param(RuleId.NO_CRIMINAL_RECORD, "antecedents_certificate", id="antecedents"),
    pytest.param(RuleId.NON_IMPEDIMENT_CERTIFICATE, "non_impediment_certificate", id="impediment"),
    pytest.param(RuleId.CUSTODIAL_PARENT_CONSENT, "custodial_parent_consent", id="consent"),
    pytest.param(RuleId.SPONSOR_DECLARATION, "sponsor_declaration", id="declaration"),
]


@pytest.mark.parametrize(("rule", "kind"), CERTIFICATES)
def test_settled_an_unofficial_certificate_counts_like_an_official_one(rule: RuleId, kind: str):
    # A child of the sponsor aged 16 on the application date: every certificate rule applies.
    def child_with(official: bool) -> CaseFacts:
        return case(
            member(
                "m",
                "child",
                born_on=date(2010, 3, 1),
                application=application(date(2026, 3, 1)),
                documents=[doc(kind, date(2026, 3, 1), official=official)],
            )
        )

    assert result(child_with(official=True), rule).outcome == MET
    assert result(child_with(official=False), rule).outcome == MET


@pytest.mark.parametrize(
    ("rule", "kind"),
    [
        pytest.param(RuleId.IDENTITY_PROVEN, "identity_document", id="identity"),
        pytest.param(RuleId.FAMILY_TIES_PROVEN, "family_tie_document", id="family-ties"),
    ],
)
def test_settled_an_unofficial_identity_or_family_tie_document_alone_proves_nothing_yet(
    rule: RuleId, kind: str
):
    unofficial = case(member("m", "partner", documents=[doc(kind, date(2026, 3, 1), False)]))
    assert result(unofficial, rule).outcome == UNKNOWN
    official = case(member("m", "partner", documents=[doc(kind, date(2026, 3, 1), True)]))
    assert result(official, rule).outcome == MET


# --- excusable lateness ---------------------------------------------------------------------------

LATE_ON = date(2026, 4, 20)  # after the term, which ends 2026-04-15
AFTER = date(2026, 5, 1)
EXCUSABLE = "late_application_excusable"


def _late(*findings) -> CaseFacts:
    return case(member("m", "partner", application=application(LATE_ON), assessments=findings))


def test_settled_an_excusable_late_application_makes_timely_met_and_says_so():
    facts = _late(assessment(EXCUSABLE, "met", date(2026, 4, 25)))
    timely = result(facts, RuleId.TIMELY, AFTER)
    assert timely.outcome == MET
    assert "excusable" in timely.reason
    assert "2026-04-20" in timely.reason and "2026-04-15" in timely.reason
    assert "2026-04-25" in timely.reason


def test_settled_an_excusable_late_application_keeps_the_nareis_route():
    facts = _late(assessment(EXCUSABLE, "met", date(2026, 4, 25)))
    assert evaluate_member(facts, "m", AFTER, False).route == Route.NAREIS
    assert evaluate_member(_late(), "m", AFTER, False).route == Route.REGULAR


def test_settled_an_excusable_late_application_is_still_late_in_the_deadline_view():
    facts = _late(assessment(EXCUSABLE, "met", date(2026, 4, 25)))
    [deadline] = case_deadline(facts, AFTER).members
    assert deadline.application == ApplicationTimeliness.LATE


@pytest.mark.parametrize(
    "findings",
    [
        pytest.param((), id="no-finding"),
        pytest.param((assessment(EXCUSABLE, "not_met", date(2026, 4, 25)),), id="not-met"),
        pytest.param(
            (assessment("identity_established", "met", date(2026, 4, 25)),), id="another-criterion"
        ),
        pytest.param((assessment(EXCUSABLE, "met", date(2026, 5, 2)),), id="met-after-the-date"),
    ],
)
def test_settled_without_an_excusable_finding_on_the_date_a_late_application_stays_late(findings):
    timely = result(_late(*findings), RuleId.TIMELY, AFTER)
    assert timely.outcome == NOT_MET
    assert "excusable" not in timely.reason


@pytest.mark.parametrize(
    ("findings", "expected"),
    [
        pytest.param(
            (
                assessment(EXCUSABLE, "met", date(2026, 4, 22), sequence=1),
                assessment(EXCUSABLE, "not_met", date(2026, 4, 25), sequence=2),
            ),
            NOT_MET,
            id="a-later-not-met-replaces-met",
        ),
        pytest.param(
            (
                assessment(EXCUSABLE, "not_met", date(2026, 4, 22), sequence=1),
                assessment(EXCUSABLE, "met", date(2026, 4, 25), sequence=2),
            ),
            MET,
            id="a-later-met-replaces-not-met",
        ),
        pytest.param(
            (
                assessment(EXCUSABLE, "met", date(2026, 4, 25), sequence=2),
                assessment(EXCUSABLE, "not_met", date(2026, 4, 22), sequence=3),
            ),
            MET,
            id="the-latest-assessed-on-counts-not-the-latest-recorded",
        ),
    ],
)
def test_settled_the_latest_excusable_lateness_finding_counts(findings, expected: Outcome):
    assert result(_late(*findings), RuleId.TIMELY, AFTER).outcome == expected


def test_settled_excusable_lateness_does_not_stand_in_for_a_missing_application():
    no_application = case(
        member("m", "partner", assessments=[assessment(EXCUSABLE, "met", date(2026, 4, 25))])
    )
    assert result(no_application, RuleId.TIMELY, AFTER).outcome == NOT_MET


def test_settled_excusable_lateness_leaves_a_timely_application_as_it_was():
    timely_application = case(
        member(
            "m",
            "partner",
            application=application(TERM_ENDS_ON),
            assessments=[assessment(EXCUSABLE, "not_met", date(2026, 4, 25))],
        )
    )
    timely = result(timely_application, RuleId.TIMELY, AFTER)
    assert timely.outcome == MET
    assert "excusable" not in timely.reason


# --- plausible dates ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("check", "earliest"),
    [
        pytest.param(check_plausible_birth_date, date(1900, 1, 1), id="birth-date"),
        pytest.param(check_plausible_date, date(2001, 4, 1), id="any-other-date"),
    ],
)
def test_settled_a_birth_date_from_1900_and_every_other_date_from_2001_04_01_is_plausible(
    check, earliest: date
):
    check(earliest, "day")
    with pytest.raises(ImplausibleDate) as refused:
        check(earliest - timedelta(days=1), "day")
    assert type(refused.value) is ImplausibleDate
    assert refused.value.field == "day"


def test_settled_a_sponsor_who_arrived_after_signing_the_asylum_application_is_bad_input():
    signed_on = date(2025, 6, 2)
    check_arrived_by_asylum_application(signed_on, signed_on)
    with pytest.raises(ArrivalAfterAsylumApplication) as refused:
        check_arrived_by_asylum_application(signed_on + timedelta(days=1), signed_on)
    assert refused.value.field == "arrived_on"


def test_settled_a_grant_dated_before_the_asylum_application_was_signed_is_refused():
    case_ = Case.open(_sponsor(), actor="a", today=TODAY)  # signed on 2025-06-02
    _refused(
        case_,
        GrantBeforeAsylumApplication,
        lambda c: c.grant_sponsor_permit(date(2025, 6, 1), "independent", actor="a", today=TODAY),
    )
    case_.grant_sponsor_permit(date(2025, 6, 2), "independent", actor="a", today=TODAY)
    _refused(
        case_,
        GrantBeforeAsylumApplication,
        lambda c: c.grant_sponsor_permit(
            date(2025, 6, 1), "independent", "misread", actor="a", today=TODAY
        ),
    )


def test_settled_a_sponsor_correction_may_not_put_the_asylum_application_after_the_grant():
    case_ = Case.open(_sponsor(), actor="a", today=TODAY)
    case_.grant_sponsor_permit(date(2025, 11, 30), "independent", actor="a", today=TODAY)
    later = replace(_sponsor(), asylum_application_signed_on=date(2025, 12, 1))
    _refused(
        case_,
        GrantBeforeAsylumApplication,
        lambda c: c.correct_sponsor_details(later, "misread", actor="a", today=TODAY),
    )
    on_the_grant_day = replace(_sponsor(), asylum_application_signed_on=date(2025, 11, 30))
    case_.correct_sponsor_details(on_the_grant_day, "misread", actor="a", today=TODAY)
    assert case_.sponsor == on_the_grant_day


# --- text a person typed ------------------------------------------------------------------------

NOT_TYPED = [
    *(chr(c) for c in (0x00, 0x09, 0x0A, 0x0D, 0x1B, 0x1F, 0x7F, 0x80, 0x85, 0x9F)),
    *(chr(c) for c in (0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069)),
    *(chr(c) for c in (0x200E, 0x200F, 0x061C)),
    *(chr(c) for c in (0xD800, 0xDBFF, 0xDC00, 0xDFFF)),
]


@pytest.mark.parametrize("character", NOT_TYPED, ids=lambda c: f"U+{ord(c):04X}")
def test_settled_control_characters_bidi_controls_and_lone_surrogates_are_refused(character):
    with pytest.raises(ForbiddenCharacter) as refused:
        check_typed_text(f"Amal{character}Haddad", "name")
    assert refused.value.field == "name"
    assert f"U+{ord(character):04X}" in refused.value.message
    assert "character 5" in refused.value.message


@pytest.mark.parametrize(
    "text",
    [
        "Amal Haddad",
        "أمل حداد",
        "\u0645\u0647\u200c\u0631\u0627\u0646",  # Persian, with a zero-width non-joiner
        "Zoë O'Brien-Ñúñez",
        "Amal\u00a0Haddad",  # a no-break space
        "checked 👍",
        "",
    ],
    ids=["latin", "arabic", "persian-zwnj", "accents", "no-break-space", "emoji", "empty"],
)
def test_settled_text_in_any_script_is_typed_text(text: str):
    check_typed_text(text, "name")


@pytest.mark.parametrize("text", ["", " ", "   ", "\u00a0", "\u3000"])
def test_settled_a_name_of_only_spaces_is_refused(text: str):
    with pytest.raises(BlankText):
        check_not_blank(text, "name")
    check_not_blank(f"{text}A{text}", "name")


# --- at most 50 family members --------------------------------------------------------------------


def test_settled_a_case_holds_at_most_50_family_members():
    case_ = Case.open(_sponsor(), actor="a", today=TODAY)
    for number in range(MAX_MEMBERS):
        case_.register_member(f"m{number}", _partner(), actor="a", today=TODAY)
    assert MAX_MEMBERS == 50
    assert len(case_.members) == 50
    _refused(
        case_,
        TooManyMembers,
        lambda c: c.register_member("m50", _partner(), actor="a", today=TODAY),
    )
    assert "m50" not in case_.members


def test_settled_a_refusal_ground_whose_rule_is_met_on_the_decision_date_is_not_supported():
    # The partner's identity document was received 2026-02-27; the family-tie document only
    # after the decision: identity_proven is met on decided_on, family_ties_proven is not.
    refused = member(
        "m",
        "partner",
        application=application(date(2026, 2, 27)),
        documents=[
            doc("identity_document", date(2026, 2, 27)),
            doc("family_tie_document", date(2026, 3, 11)),
        ],
        decision=Decision(date(2026, 3, 10), "refused", ("identity_proven", "family_ties_proven")),
    )
    granted = member(
        "g",
        "child",
        application=application(date(2026, 2, 27)),
        decision=Decision(date(2026, 3, 10), "granted", ()),
    )
    marks = grounds_not_supported(case(refused, granted), {date(2026, 3, 10): False})
    assert marks == {"m": (RuleId.IDENTITY_PROVEN,)}


@pytest.mark.parametrize(
    ("holds", "marked"),
    [(False, (RuleId.SPONSOR_PERMIT_INDEPENDENT,)), (True, ())],
    ids=["register-knows-no-dependent-permit", "register-knows-a-dependent-permit"],
)
def test_settled_a_refusal_on_sponsor_permit_independent_is_judged_with_the_register(
    holds: bool, marked: tuple[RuleId, ...]
):
    refused = member(
        "m",
        "partner",
        application=application(date(2026, 2, 27)),
        decision=Decision(date(2026, 3, 10), "refused", ("sponsor_permit_independent",)),
    )
    facts = case(refused)
    assert refusal_dates(facts) == {date(2026, 3, 10)}
    assert grounds_not_supported(facts, {date(2026, 3, 10): holds}) == {"m": marked}
