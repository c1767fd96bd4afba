"""Every rule outcome's exact `reason` (README, "Tests": each reason names the dates, documents and
assessments it used), one table row per path through a rule.

A row is a case, the date D it is judged on, the rule, and the whole `RuleResult` expected: outcome,
reason and, for a document still missing, its kind. The member under test is always "m"; the
defaults of `tests/unit/builders.py` apply (sponsor born 1990-01-01, arrived 2025-05-20, granted
an independent permit on 2026-01-15, so the term ends Wednesday 2026-04-15).
"""

from __future__ import annotations

from datetime import date

import pytest

from domain.case import Case
from domain.eligibility import evaluate_member
from domain.errors import GrantRequiresEligibility
from domain.facts import CaseFacts, MemberDetails
from domain.rules import RuleResult
from domain.vocabulary import Outcome, RuleId
from tests.unit.builders import (
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


def granted_partner(member_id: str, on: date):
    return member(member_id, "partner", decision=decision("granted", on))


def row(
    row_id: str,
    facts: CaseFacts,
    rule: RuleId,
    outcome: Outcome,
    reason: str,
    *,
    on: date = D,
    missing: str | None = None,
    dependent: bool = False,
):
    expected = RuleResult(rule, outcome, reason, missing)  # type: ignore[arg-type]
    return pytest.param(facts, on, dependent, expected, id=row_id)


def judged(facts: CaseFacts, rule: RuleId, on: date = D, dependent: bool = False) -> RuleResult:
    answer = evaluate_member(facts, "m", on, sponsor_holds_dependent_permit=dependent)
    return next(r for r in answer.rules if r.id == rule)


# --- sponsor_has_asylum_permit, sponsor_permit_independent ---------------------------------------

SPONSOR_ROWS = [
    row(
        "asylum-permit-no-grant",
        case(partner(), grant_on=None),
        RuleId.SPONSOR_HAS_ASYLUM_PERMIT,
        UNKNOWN,
        "no grant to the sponsor recorded on or before 2026-03-10",
    ),
    row(
        "asylum-permit-granted",
        case(partner()),
        RuleId.SPONSOR_HAS_ASYLUM_PERMIT,
        MET,
        "sponsor granted an asylum permit on 2026-01-15",
    ),
    row(
        "independent-no-grant",
        case(partner(), grant_on=None),
        RuleId.SPONSOR_PERMIT_INDEPENDENT,
        UNKNOWN,
        "no grant to the sponsor recorded yet",
    ),
    row(
        "independent-but-a-dependent-permit",
        case(partner(), permit_kind="dependent"),
        RuleId.SPONSOR_PERMIT_INDEPENDENT,
        NOT_MET,
        "the sponsor's permit is dependent",
    ),
    row(
        "independent-but-the-sponsor-holds-a-dependent-permit",
        case(partner()),
        RuleId.SPONSOR_PERMIT_INDEPENDENT,
        NOT_MET,
        "V-number 1234567890 holds a dependent permit as a family member",
        dependent=True,
    ),
    row(
        "independent",
        case(partner()),
        RuleId.SPONSOR_PERMIT_INDEPENDENT,
        MET,
        "independent permit granted on 2026-01-15",
    ),
]

# --- mentioned_in_asylum_procedure, family_bond_abroad -------------------------------------------

MEMBER_ROWS = [
    row(
        "mentioned",
        case(child()),
        RuleId.MENTIONED_IN_ASYLUM_PROCEDURE,
        MET,
        "mentioned by the sponsor in the asylum procedure",
    ),
    row(
        "not-mentioned",
        case(child(mentioned_in_asylum_procedure=False)),
        RuleId.MENTIONED_IN_ASYLUM_PROCEDURE,
        NOT_MET,
        "not mentioned by the sponsor in the asylum procedure",
    ),
    row(
        "family-bond-abroad",
        case(parent()),
        RuleId.FAMILY_BOND_ABROAD,
        MET,
        "part of the sponsor's family abroad and during the journey",
    ),
    row(
        "no-family-bond-abroad",
        case(parent(family_bond_abroad=False)),
        RuleId.FAMILY_BOND_ABROAD,
        NOT_MET,
        "not part of the sponsor's family abroad",
    ),
]

# --- timely --------------------------------------------------------------------------------------

EXCUSABLE = "late_application_excusable"

TIMELY_ROWS = [
    row(
        "arrived-before-the-sponsor",
        case(partner(arrived_on=date(2025, 5, 1))),
        RuleId.TIMELY,
        MET,
        "arrived 2025-05-01, with or before the sponsor (2025-05-20)",
        on=AFTER_TERM,
    ),
    row(
        "arrived-after-the-sponsor-applied-within-the-term",
        case(partner(arrived_on=date(2025, 5, 21), application=application(date(2026, 2, 1)))),
        RuleId.TIMELY,
        MET,
        "applied 2026-02-01, within the term ending 2026-04-15",
        on=AFTER_TERM,
    ),
    row(
        "applied-before-any-grant",
        case(partner(application=application(date(2026, 1, 10))), grant_on=None),
        RuleId.TIMELY,
        MET,
        "applied 2026-01-10, before any grant",
    ),
    row(
        "applied-on-the-terms-last-day",
        case(partner(application=application(TERM_ENDS_ON))),
        RuleId.TIMELY,
        MET,
        "applied 2026-04-15, within the term ending 2026-04-15",
        on=AFTER_TERM,
    ),
    row(
        "applied-late",
        case(partner(application=application(AFTER_TERM))),
        RuleId.TIMELY,
        NOT_MET,
        "applied 2026-04-16, after the term ended 2026-04-15",
        on=AFTER_TERM,
    ),
    row(
        "applied-late-names-the-moved-end-not-the-nominal-one",
        case(partner(application=application(date(2026, 3, 3))), grant_on=LATE_GRANT),
        RuleId.TIMELY,
        NOT_MET,
        "applied 2026-03-03, after the term ended 2026-03-02",
    ),
    row(
        "applied-late-lateness-excusable",
        case(
            partner(
                application=application(AFTER_TERM),
                assessments=[assessment(EXCUSABLE, "met", date(2026, 4, 20))],
            )
        ),
        RuleId.TIMELY,
        MET,
        "applied 2026-04-16, after the term ended 2026-04-15, "
        "but the lateness was assessed excusable (2026-04-20)",
        on=date(2026, 4, 20),
    ),
    row(
        "applied-late-lateness-not-excusable",
        case(
            partner(
                application=application(AFTER_TERM),
                assessments=[assessment(EXCUSABLE, "not_met", date(2026, 4, 20))],
            )
        ),
        RuleId.TIMELY,
        NOT_MET,
        "applied 2026-04-16, after the term ended 2026-04-15",
        on=date(2026, 4, 20),
    ),
    row(
        "no-application-no-grant",
        case(partner(), grant_on=None),
        RuleId.TIMELY,
        UNKNOWN,
        "no application yet and no grant to the sponsor yet",
    ),
    row(
        "no-application-term-open",
        case(partner()),
        RuleId.TIMELY,
        UNKNOWN,
        "no application yet; the term ends 2026-04-15",
    ),
    row(
        "no-application-term-expired",
        case(partner()),
        RuleId.TIMELY,
        NOT_MET,
        "no application by the end of the term, 2026-04-15",
        on=AFTER_TERM,
    ),
]

# --- partner_adult -------------------------------------------------------------------------------

PARTNER_ADULT_ROWS = [
    row(
        "adult-a-child",
        case(child()),
        RuleId.PARTNER_ADULT,
        NOT_APPLICABLE,
        "applies to partners only",
    ),
    row(
        "adult-ages-on-the-application-date",
        case(partner(application=application(date(2026, 2, 1)))),
        RuleId.PARTNER_ADULT,
        MET,
        "both 18 or older (member 33, sponsor 36 on the application date)",
    ),
    row(
        "adult-ages-on-the-as-of-date",
        case(partner()),
        RuleId.PARTNER_ADULT,
        MET,
        "both 18 or older (member 34, sponsor 36 on the as-of date)",
    ),
    row(
        "adult-member-17",
        case(
            partner(
                born_on=born_years_before_birthday(18),
                application=application(DAY_BEFORE_BIRTHDAY),
            )
        ),
        RuleId.PARTNER_ADULT,
        NOT_MET,
        "not both 18 or older (member 17, sponsor 36 on the application date)",
    ),
    row(
        "adult-sponsor-17",
        case(
            partner(application=application(DAY_BEFORE_BIRTHDAY)),
            born_on=born_years_before_birthday(18),
        ),
        RuleId.PARTNER_ADULT,
        NOT_MET,
        "not both 18 or older (member 33, sponsor 17 on the application date)",
    ),
]

# --- single_partner ------------------------------------------------------------------------------

SINGLE_PARTNER_ROWS = [
    row(
        "single-a-child",
        case(child()),
        RuleId.SINGLE_PARTNER,
        NOT_APPLICABLE,
        "applies to partners only",
    ),
    row(
        "single-the-only-partner",
        case(partner()),
        RuleId.SINGLE_PARTNER,
        MET,
        "no other partner in this case has been granted",
    ),
    row(
        "single-another-partner-granted",
        case(partner(), granted_partner("p2", date(2026, 3, 1))),
        RuleId.SINGLE_PARTNER,
        NOT_MET,
        "partner p2 was granted on 2026-03-01",
    ),
    row(
        "single-names-the-earliest-granted-partner-not-the-first-registered",
        case(
            partner(),
            granted_partner("p2", date(2026, 3, 5)),
            granted_partner("p3", date(2026, 3, 1)),
        ),
        RuleId.SINGLE_PARTNER,
        NOT_MET,
        "partner p3 was granted on 2026-03-01",
    ),
    row(
        "single-granted-after-two-others-names-the-earliest",
        case(
            partner(decision=decision("granted", date(2026, 3, 8))),
            granted_partner("p2", date(2026, 3, 5)),
            granted_partner("p3", date(2026, 3, 1)),
        ),
        RuleId.SINGLE_PARTNER,
        NOT_MET,
        "partner p3 was granted on 2026-03-01",
    ),
    row(
        "single-granted-first",
        case(
            partner(decision=decision("granted", date(2026, 3, 1))),
            granted_partner("p2", date(2026, 3, 5)),
        ),
        RuleId.SINGLE_PARTNER,
        MET,
        # The wording predates back-dated grants: p2 was granted, but after this partner.
        "no other partner in this case has been granted",
    ),
]

# --- partner_relationship ------------------------------------------------------------------------

DURABLE = "durable_exclusive_relationship"

PARTNER_RELATIONSHIP_ROWS = [
    row(
        "relationship-a-child",
        case(child()),
        RuleId.PARTNER_RELATIONSHIP,
        NOT_APPLICABLE,
        "applies to partners only",
    ),
    row(
        "relationship-married",
        case(partner()),
        RuleId.PARTNER_RELATIONSHIP,
        MET,
        "married to the sponsor",
    ),
    row(
        "relationship-married-and-assessed-durable",
        case(partner(assessments=[assessment(DURABLE, "met", date(2026, 2, 1))])),
        RuleId.PARTNER_RELATIONSHIP,
        MET,
        "married to the sponsor",
    ),
    row(
        "relationship-not-durable",
        case(
            partner(
                marital_status="unmarried",
                assessments=[assessment(DURABLE, "not_met", date(2026, 2, 1))],
            )
        ),
        RuleId.PARTNER_RELATIONSHIP,
        NOT_MET,
        "durable exclusive relationship not met (2026-02-01)",
    ),
    row(
        "relationship-unmarried-durable",
        case(
            partner(
                marital_status="unmarried",
                assessments=[assessment(DURABLE, "met", date(2026, 2, 1))],
            )
        ),
        RuleId.PARTNER_RELATIONSHIP,
        MET,
        "durable exclusive relationship met (2026-02-01)",
    ),
    row(
        "relationship-unmarried-not-assessed",
        case(partner(marital_status="unmarried")),
        RuleId.PARTNER_RELATIONSHIP,
        UNKNOWN,
        "unmarried; durable exclusive relationship not assessed yet",
    ),
]

# --- child_belongs_to_family ---------------------------------------------------------------------


def child_of_both(**overrides: object):
    return child(child_of="sponsor_and_partner", partner_member_id="p", **overrides)


BELONGS_ROWS = [
    row(
        "belongs-a-partner",
        case(partner()),
        RuleId.CHILD_BELONGS_TO_FAMILY,
        NOT_APPLICABLE,
        "applies to children only",
    ),
    row(
        "belongs-child-of-the-sponsor",
        case(child()),
        RuleId.CHILD_BELONGS_TO_FAMILY,
        MET,
        "child of the sponsor",
    ),
    row(
        "belongs-child-of-sponsor-and-partner",
        case(child_of_both(), partner_p()),
        RuleId.CHILD_BELONGS_TO_FAMILY,
        MET,
        "child of the sponsor and partner",
    ),
    row(
        "belongs-child-of-a-partner-who-may-come",
        case(child_of_partner(), partner_p()),
        RuleId.CHILD_BELONGS_TO_FAMILY,
        MET,
        "child of partner p, who may come",
    ),
    row(
        "belongs-named-partner-not-in-the-case",
        case(child_of_partner()),
        RuleId.CHILD_BELONGS_TO_FAMILY,
        NOT_MET,
        "the named partner is not a partner member of this case",
    ),
    row(
        "belongs-no-partner-named",
        case(child(child_of="partner")),
        RuleId.CHILD_BELONGS_TO_FAMILY,
        NOT_MET,
        "the named partner is not a partner member of this case",
    ),
    row(
        "belongs-named-partner-is-a-child",
        case(child_of_partner(), member("p", "child")),
        RuleId.CHILD_BELONGS_TO_FAMILY,
        NOT_MET,
        "the named partner is not a partner member of this case",
    ),
    row(
        "belongs-partner-refused",
        case(child_of_partner(), partner_p(decision=decision("refused", date(2026, 3, 1)))),
        RuleId.CHILD_BELONGS_TO_FAMILY,
        NOT_MET,
        "the partner p was refused",
    ),
    row(
        "belongs-partner-withdrew",
        case(child_of_partner(), partner_p(withdrawal=withdrawal(date(2026, 3, 1)))),
        RuleId.CHILD_BELONGS_TO_FAMILY,
        NOT_MET,
        "the partner p withdrew",
    ),
    row(
        "belongs-partner-blocked-names-the-earliest-granted-partner",
        case(
            child_of_partner(),
            partner_p(),
            granted_partner("p2", date(2026, 3, 5)),
            granted_partner("p3", date(2026, 3, 1)),
        ),
        RuleId.CHILD_BELONGS_TO_FAMILY,
        NOT_MET,
        "the partner p cannot come: partner p3 was granted",
    ),
]

# --- child_age -----------------------------------------------------------------------------------

BOND, TIES = "family_bond_intact", "more_than_normal_emotional_ties"


def child_aged(years: int, applied_on: date = BIRTHDAY, *findings: tuple[str, str]):
    return child(
        born_on=born_years_before_birthday(years),
        application=application(applied_on),
        assessments=[assessment(c, o, date(2026, 3, 5)) for c, o in findings],
    )


CHILD_AGE_ROWS = [
    row(
        "age-a-partner",
        case(partner()),
        RuleId.CHILD_AGE,
        NOT_APPLICABLE,
        "applies to children only",
    ),
    row("age-minor-on-D", case(child()), RuleId.CHILD_AGE, MET, "minor (age 10 on the as-of date)"),
    row(
        "age-minor-on-the-application-date",
        case(child_aged(18, DAY_BEFORE_BIRTHDAY)),
        RuleId.CHILD_AGE,
        MET,
        "minor (age 17 on the application date)",
    ),
    row(
        "age-18-not-assessed",
        case(child_aged(18)),
        RuleId.CHILD_AGE,
        UNKNOWN,
        "age 18 on the application date; family_bond_intact not assessed yet",
    ),
    row(
        "age-18-bond-met",
        case(child_aged(18, BIRTHDAY, (BOND, "met"))),
        RuleId.CHILD_AGE,
        MET,
        "age 18 on the application date; family_bond_intact met",
    ),
    row(
        "age-18-bond-not-met",
        case(child_aged(18, BIRTHDAY, (BOND, "not_met"))),
        RuleId.CHILD_AGE,
        NOT_MET,
        "age 18 on the application date; family_bond_intact not met",
    ),
    row(
        "age-25-bond-met",
        case(child_aged(25, BIRTHDAY, (BOND, "met"))),
        RuleId.CHILD_AGE,
        MET,
        "age 25 on the application date; family_bond_intact met",
    ),
    row(
        "age-26-nothing-assessed",
        case(child_aged(26)),
        RuleId.CHILD_AGE,
        UNKNOWN,
        "age 26 on the application date; "
        "family_bond_intact, more_than_normal_emotional_ties not assessed yet",
    ),
    row(
        "age-26-ties-not-assessed",
        case(child_aged(26, BIRTHDAY, (BOND, "met"))),
        RuleId.CHILD_AGE,
        UNKNOWN,
        "age 26 on the application date; more_than_normal_emotional_ties not assessed yet",
    ),
    row(
        "age-26-both-met",
        case(child_aged(26, BIRTHDAY, (BOND, "met"), (TIES, "met"))),
        RuleId.CHILD_AGE,
        MET,
        "age 26 on the application date; family_bond_intact, more_than_normal_emotional_ties met",
    ),
    row(
        "age-26-ties-not-met",
        case(child_aged(26, BIRTHDAY, (BOND, "met"), (TIES, "not_met"))),
        RuleId.CHILD_AGE,
        NOT_MET,
        "age 26 on the application date; more_than_normal_emotional_ties not met",
    ),
    row(
        "age-26-both-not-met",
        case(child_aged(26, BIRTHDAY, (BOND, "not_met"), (TIES, "not_met"))),
        RuleId.CHILD_AGE,
        NOT_MET,
        "age 26 on the application date; "
        "family_bond_intact, more_than_normal_emotional_ties not met",
    ),
]

# --- parent_of_unaccompanied_minor ---------------------------------------------------------------

MINOR_SPONSOR = {
    "born_on": date(2009, 1, 1),  # 16 when signing on 2025-06-01, a minor until 2027-01-01
    "asylum_application_signed_on": date(2025, 6, 1),
    "unaccompanied_minor": True,
}
TURNS_18_IN_TERM = date(2008, 3, 1)  # 17 when signing; an adult from 2026-03-01, inside the term


def minor_sponsor_case(*members, **overrides):
    return case(*members, **(MINOR_SPONSOR | overrides))


PARENT = RuleId.PARENT_OF_UNACCOMPANIED_MINOR
ENDED = "the minor status ended with the term on 2026-04-15 and the sponsor is an adult"

PARENT_ROWS = [
    row(
        "parent-a-partner",
        minor_sponsor_case(partner()),
        PARENT,
        NOT_APPLICABLE,
        "applies to parents only",
    ),
    row(
        "parent-not-biological",
        minor_sponsor_case(parent(parent_kind="other")),
        PARENT,
        NOT_MET,
        "not a biological parent",
    ),
    row(
        "parent-sponsor-not-unaccompanied",
        minor_sponsor_case(parent(), unaccompanied_minor=False),
        PARENT,
        NOT_MET,
        "the sponsor did not travel unaccompanied",
    ),
    row(
        "parent-sponsor-18-when-signing",
        minor_sponsor_case(parent(), born_on=date(2007, 6, 1)),
        PARENT,
        NOT_MET,
        "the sponsor was 18 when signing the asylum application (2025-06-01)",
    ),
    row(
        "parent-applied-while-the-sponsor-is-a-minor",
        minor_sponsor_case(parent(application=application(D))),
        PARENT,
        MET,
        "applied 2026-03-10 while the minor status lasted (the sponsor is still a minor)",
    ),
    row(
        "parent-applied-within-the-term-sponsor-adult",
        minor_sponsor_case(parent(application=application(TERM_ENDS_ON)), born_on=TURNS_18_IN_TERM),
        PARENT,
        MET,
        "applied 2026-04-15 while the minor status lasted (within the term ending 2026-04-15)",
        on=date(2026, 5, 1),
    ),
    row(
        "parent-applied-before-a-grant-sponsor-adult",
        minor_sponsor_case(
            parent(application=application(date(2026, 3, 5))),
            born_on=TURNS_18_IN_TERM,
            grant_on=None,
        ),
        PARENT,
        MET,
        "applied 2026-03-05 while the minor status lasted (no grant yet)",
    ),
    row(
        "parent-applied-after-the-term-sponsor-adult",
        minor_sponsor_case(parent(application=application(AFTER_TERM)), born_on=TURNS_18_IN_TERM),
        PARENT,
        NOT_MET,
        ENDED,
        on=date(2026, 5, 1),
    ),
    row(
        "parent-no-application-sponsor-a-minor",
        minor_sponsor_case(parent()),
        PARENT,
        UNKNOWN,
        "no application yet; still possible: the sponsor is still a minor",
        on=AFTER_TERM,
    ),
    row(
        "parent-no-application-term-open-sponsor-adult",
        minor_sponsor_case(parent(), born_on=TURNS_18_IN_TERM),
        PARENT,
        UNKNOWN,
        "no application yet; still possible: within the term ending 2026-04-15",
    ),
    row(
        "parent-no-application-no-grant-sponsor-adult",
        minor_sponsor_case(parent(), born_on=TURNS_18_IN_TERM, grant_on=None),
        PARENT,
        UNKNOWN,
        "no application yet; still possible: no grant yet",
    ),
    row(
        "parent-no-application-term-expired-sponsor-adult",
        minor_sponsor_case(parent(), born_on=TURNS_18_IN_TERM),
        PARENT,
        NOT_MET,
        ENDED,
        on=AFTER_TERM,
    ),
]

# --- no_criminal_record, non_impediment_certificate ----------------------------------------------

CLEAR = "criminal_record_clear"
ANTECEDENTS = "antecedents_certificate"
NON_IMPEDIMENT = "non_impediment_certificate"

CERTIFICATE_ROWS = [
    row(
        "criminal-record-under-12-on-D",
        case(child()),
        RuleId.NO_CRIMINAL_RECORD,
        NOT_APPLICABLE,
        "under 12 (age 10 on the as-of date)",
    ),
    row(
        "criminal-record-under-12-on-the-application-date",
        case(
            child(
                born_on=born_years_before_birthday(12),
                application=application(DAY_BEFORE_BIRTHDAY),
            )
        ),
        RuleId.NO_CRIMINAL_RECORD,
        NOT_APPLICABLE,
        "under 12 (age 11 on the application date)",
    ),
    row(
        "criminal-record-not-clear",
        case(
            partner(
                documents=[doc(ANTECEDENTS, date(2026, 2, 1))],
                assessments=[assessment(CLEAR, "not_met", date(2026, 3, 1))],
            )
        ),
        RuleId.NO_CRIMINAL_RECORD,
        NOT_MET,
        "criminal record not clear (2026-03-01)",
    ),
    row(
        "criminal-record-the-first-certificate",
        case(
            partner(
                documents=[doc(ANTECEDENTS, date(2026, 2, 20)), doc(ANTECEDENTS, date(2026, 2, 1))]
            )
        ),
        RuleId.NO_CRIMINAL_RECORD,
        MET,
        "antecedents_certificate received 2026-02-01",
    ),
    row(
        "criminal-record-no-certificate",
        case(partner()),
        RuleId.NO_CRIMINAL_RECORD,
        UNKNOWN,
        "no antecedents_certificate received yet",
        missing=ANTECEDENTS,
    ),
    row(
        "criminal-record-clear-but-no-certificate",
        case(partner(assessments=[assessment(CLEAR, "met", date(2026, 3, 1))])),
        RuleId.NO_CRIMINAL_RECORD,
        UNKNOWN,
        "no antecedents_certificate received yet",
        missing=ANTECEDENTS,
    ),
    row(
        "non-impediment-under-15-on-D",
        case(child()),
        RuleId.NON_IMPEDIMENT_CERTIFICATE,
        NOT_APPLICABLE,
        "under 15 (age 10 on the as-of date)",
    ),
    row(
        "non-impediment-under-15-on-the-application-date",
        case(
            child(
                born_on=born_years_before_birthday(15),
                application=application(DAY_BEFORE_BIRTHDAY),
            )
        ),
        RuleId.NON_IMPEDIMENT_CERTIFICATE,
        NOT_APPLICABLE,
        "under 15 (age 14 on the application date)",
    ),
    row(
        "non-impediment-certificate",
        case(partner(documents=[doc(NON_IMPEDIMENT, date(2026, 3, 2))])),
        RuleId.NON_IMPEDIMENT_CERTIFICATE,
        MET,
        "non_impediment_certificate received 2026-03-02",
    ),
    row(
        "non-impediment-no-certificate",
        case(partner()),
        RuleId.NON_IMPEDIMENT_CERTIFICATE,
        UNKNOWN,
        "no non_impediment_certificate received yet",
        missing=NON_IMPEDIMENT,
    ),
]

# --- custodial_parent_consent, sponsor_declaration -----------------------------------------------

CONSENT = "custodial_parent_consent"
DECLARATION = "sponsor_declaration"
REFUSED_P = decision("refused", date(2026, 3, 1))

CONSENT_AND_DECLARATION_ROWS = [
    row(
        "consent-a-partner",
        case(partner()),
        RuleId.CUSTODIAL_PARENT_CONSENT,
        NOT_APPLICABLE,
        "applies to minor children only",
    ),
    row(
        "consent-an-adult-child",
        case(child_aged(18)),
        RuleId.CUSTODIAL_PARENT_CONSENT,
        NOT_APPLICABLE,
        "applies to minor children only",
    ),
    row(
        "consent-the-partner-comes",
        case(child_of_both(), partner_p()),
        RuleId.CUSTODIAL_PARENT_CONSENT,
        NOT_APPLICABLE,
        "no parent stays behind",
    ),
    row(
        "consent-child-of-a-partner",
        case(child_of_partner(), partner_p()),
        RuleId.CUSTODIAL_PARENT_CONSENT,
        NOT_APPLICABLE,
        "no parent stays behind",
    ),
    row(
        "consent-the-named-partner-not-in-the-case",
        case(child_of_both()),
        RuleId.CUSTODIAL_PARENT_CONSENT,
        NOT_APPLICABLE,
        "no parent stays behind",
    ),
    row(
        "consent-child-of-the-sponsor-none-received",
        case(child()),
        RuleId.CUSTODIAL_PARENT_CONSENT,
        UNKNOWN,
        "the other parent is not part of this case; no custodial_parent_consent received yet",
        missing=CONSENT,
    ),
    row(
        "consent-child-of-the-sponsor-received",
        case(child(documents=[doc(CONSENT, date(2026, 3, 1))])),
        RuleId.CUSTODIAL_PARENT_CONSENT,
        MET,
        "the other parent is not part of this case; custodial_parent_consent received 2026-03-01",
    ),
    row(
        "consent-the-partner-refused-none-received",
        case(child_of_both(), partner_p(decision=REFUSED_P)),
        RuleId.CUSTODIAL_PARENT_CONSENT,
        UNKNOWN,
        "the partner p was refused; no custodial_parent_consent received yet",
        missing=CONSENT,
    ),
    row(
        "consent-the-partner-refused-received",
        case(
            child_of_both(documents=[doc(CONSENT, date(2026, 3, 2))]),
            partner_p(decision=REFUSED_P),
        ),
        RuleId.CUSTODIAL_PARENT_CONSENT,
        MET,
        "the partner p was refused; custodial_parent_consent received 2026-03-02",
    ),
    row(
        "consent-the-partner-withdrew",
        case(child_of_both(), partner_p(withdrawal=withdrawal(date(2026, 3, 1)))),
        RuleId.CUSTODIAL_PARENT_CONSENT,
        UNKNOWN,
        "the partner p withdrew; no custodial_parent_consent received yet",
        missing=CONSENT,
    ),
    row(
        "declaration-received",
        case(parent(documents=[doc(DECLARATION, D)])),
        RuleId.SPONSOR_DECLARATION,
        MET,
        "sponsor_declaration received 2026-03-10",
    ),
    row(
        "declaration-none-received",
        case(parent()),
        RuleId.SPONSOR_DECLARATION,
        UNKNOWN,
        "no sponsor_declaration received yet",
        missing=DECLARATION,
    ),
]

# --- identity_proven, family_ties_proven ---------------------------------------------------------

EARLY, LATE = date(2026, 2, 1), date(2026, 2, 10)


def proof_rows(rule: RuleId, kind: str, criterion: str) -> list:
    def proof_case(documents: list[tuple[bool, date]], findings: list[tuple[str, date]]):
        return case(
            child(
                documents=[doc(kind, on, official=official) for official, on in documents],
                assessments=[assessment(criterion, o, on) for o, on in findings],
            )
        )

    return [
        row(
            f"{rule}-not-met",
            proof_case([(True, EARLY)], [("not_met", LATE)]),
            rule,
            NOT_MET,
            f"{criterion} not met (2026-02-10)",
        ),
        row(
            f"{rule}-the-first-official-document",
            proof_case([(True, LATE), (True, EARLY)], []),
            rule,
            MET,
            f"official {kind} received 2026-02-01",
        ),
        row(
            f"{rule}-the-official-document-not-an-earlier-unofficial-one",
            proof_case([(False, EARLY), (True, LATE)], []),
            rule,
            MET,
            f"official {kind} received 2026-02-10",
        ),
        row(
            f"{rule}-no-document",
            proof_case([], []),
            rule,
            UNKNOWN,
            f"no {kind} received yet",
            missing=kind,
        ),
        row(
            f"{rule}-unofficial-assessed-met",
            proof_case([(False, LATE), (False, EARLY)], [("met", date(2026, 2, 20))]),
            rule,
            MET,
            f"unofficial {kind} received 2026-02-01; {criterion} met (2026-02-20)",
        ),
        row(
            f"{rule}-unofficial-not-assessed",
            proof_case([(False, LATE), (False, EARLY)], []),
            rule,
            UNKNOWN,
            f"unofficial {kind} received 2026-02-01; {criterion} not assessed yet",
        ),
    ]


PROOF_ROWS = [
    *proof_rows(RuleId.IDENTITY_PROVEN, "identity_document", "identity_established"),
    *proof_rows(RuleId.FAMILY_TIES_PROVEN, "family_tie_document", "family_ties_established"),
]


@pytest.mark.parametrize(
    ("facts", "on", "dependent", "expected"),
    [
        *SPONSOR_ROWS,
        *MEMBER_ROWS,
        *TIMELY_ROWS,
        *PARTNER_ADULT_ROWS,
        *SINGLE_PARTNER_ROWS,
        *PARTNER_RELATIONSHIP_ROWS,
        *BELONGS_ROWS,
        *CHILD_AGE_ROWS,
        *PARENT_ROWS,
        *CERTIFICATE_ROWS,
        *CONSENT_AND_DECLARATION_ROWS,
        *PROOF_ROWS,
    ],
)
def test_each_rule_outcome_gives_the_reason_naming_the_dates_documents_and_findings_it_used(
    facts: CaseFacts, on: date, dependent: bool, expected: RuleResult
) -> None:
    assert judged(facts, expected.id, on, dependent) == expected


# --- two partners granted on the same day --------------------------------------------------------


def test_two_partners_granted_on_the_same_day_do_not_block_each_other() -> None:
    # What the code does (`_blocking_partner` blocks only a partner granted strictly earlier): with
    # equal `decided_on` neither partner is "the first granted", so both stay met. The case records
    # no order between two decisions of one day; a question for DOMAIN.md (issue 7 report).
    facts = case(
        partner(decision=decision("granted", date(2026, 3, 1))),
        granted_partner("p2", date(2026, 3, 1)),
    )
    assert judged(facts, RuleId.SINGLE_PARTNER).outcome == MET
    other = evaluate_member(facts, "p2", D, sponsor_holds_dependent_permit=False)
    assert next(r for r in other.rules if r.id == RuleId.SINGLE_PARTNER).outcome == MET


def test_of_two_partners_granted_on_the_same_day_the_first_registered_blocks_a_third() -> None:
    # `CaseFacts.granted_partners` sorts by `decided_on`, ties in the order the members were
    # registered; the reason names that partner.
    p2_first = case(
        partner(), granted_partner("p2", date(2026, 3, 1)), granted_partner("p3", date(2026, 3, 1))
    )
    p3_first = case(
        partner(), granted_partner("p3", date(2026, 3, 1)), granted_partner("p2", date(2026, 3, 1))
    )
    assert judged(p2_first, RuleId.SINGLE_PARTNER).reason == "partner p2 was granted on 2026-03-01"
    assert judged(p3_first, RuleId.SINGLE_PARTNER).reason == "partner p3 was granted on 2026-03-01"


def _partner_details(name: str) -> MemberDetails:
    return MemberDetails(name, date(1990, 5, 1), "partner", True, True, marital_status="married")


def test_the_system_refuses_a_second_partners_grant_dated_the_same_day_as_the_first() -> None:
    # Through commands the same-day tie cannot arise: once one partner's grant is recorded, the
    # other is not eligible on that day (single_partner not_met) and the grant is refused.
    today = date(2026, 11, 28)
    sponsor = case().sponsor
    the_case = Case.open(sponsor, actor="a", today=today)
    the_case.grant_sponsor_permit(date(2026, 1, 15), "independent", actor="a", today=today)
    for member_id in ("p1", "p2"):
        the_case.register_member(member_id, _partner_details(member_id), actor="a", today=today)
        the_case.submit_application(
            member_id, date(2026, 2, 1), "mvv_abroad", actor="a", today=today
        )
        for kind in (
            "identity_document",
            "family_tie_document",
            "sponsor_declaration",
            "antecedents_certificate",
            "non_impediment_certificate",
        ):
            the_case.receive_document(
                member_id, date(2026, 2, 1), kind, True, actor="a", today=today
            )
    decide = {"sponsor_holds_dependent_permit": False, "actor": "a", "today": today}
    the_case.take_decision("p1", date(2026, 3, 1), "granted", [], **decide)
    with pytest.raises(GrantRequiresEligibility, match="single_partner"):
        the_case.take_decision("p2", date(2026, 3, 1), "granted", [], **decide)
