"""Dated versions of the rule set (DOMAIN.md, "Rules change over time").

A policy change, such as the two-status system that narrows reunification to the nuclear family, is
added as a new `PolicyVersion` with its own `in_force_from` date, next to the current one. An
application is judged under the version in force on its `submitted_on`; the answer names it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date

from domain import rules
from domain.calendar import ATW_CALENDAR, AtwCalendar
from domain.rules import Rule
from domain.term import (
    DECISION_TERM_MONTHS,
    EXTENDED_DECISION_TERM_MONTHS,
    JOURNEY_TERM_MONTHS,
    PERMIT_READY_TARGET_DAYS,
)
from domain.vocabulary import RuleId


@dataclass(frozen=True)
class PolicyVersion:
    id: str
    title: str
    in_force_from: date
    rules: tuple[tuple[RuleId, Rule], ...]

    @property
    def rule_ids(self) -> tuple[RuleId, ...]:
        return tuple(rule_id for rule_id, _ in self.rules)


NAREIS_VW2000 = PolicyVersion(
    id="nareis-vw2000-v1",
    title="Nareis under Vreemdelingenwet 2000 art. 29, as on the IND page 'Family member of refugee'",
    # The Vreemdelingenwet 2000 entered into force on 1 April 2001.
    in_force_from=date(2001, 4, 1),
    rules=(
        (RuleId.SPONSOR_HAS_ASYLUM_PERMIT, rules.sponsor_has_asylum_permit),
        (RuleId.SPONSOR_PERMIT_INDEPENDENT, rules.sponsor_permit_independent),
        (RuleId.MENTIONED_IN_ASYLUM_PROCEDURE, rules.mentioned_in_asylum_procedure),
        (RuleId.FAMILY_BOND_ABROAD, rules.family_bond_abroad),
        (RuleId.TIMELY, rules.timely),
        (RuleId.PARTNER_ADULT, rules.partner_adult),
        (RuleId.SINGLE_PARTNER, rules.single_partner),
        (RuleId.PARTNER_RELATIONSHIP, rules.partner_relationship),
        (RuleId.CHILD_BELONGS_TO_FAMILY, rules.child_belongs_to_family),
        (RuleId.CHILD_AGE, rules.child_age),
        (RuleId.PARENT_OF_UNACCOMPANIED_MINOR, rules.parent_of_unaccompanied_minor),
        (RuleId.NO_CRIMINAL_RECORD, rules.no_criminal_record),
        (RuleId.NON_IMPEDIMENT_CERTIFICATE, rules.non_impediment_certificate),
        (RuleId.CUSTODIAL_PARENT_CONSENT, rules.custodial_parent_consent),
        (RuleId.SPONSOR_DECLARATION, rules.sponsor_declaration),
        (RuleId.IDENTITY_PROVEN, rules.identity_proven),
        (RuleId.FAMILY_TIES_PROVEN, rules.family_ties_proven),
    ),
)

POLICY_VERSIONS: tuple[PolicyVersion, ...] = (NAREIS_VW2000,)


def policy_in_force_on(
    day: date, versions: tuple[PolicyVersion, ...] = POLICY_VERSIONS
) -> PolicyVersion:
    """The latest version in force on `day`; a day before every version gets the earliest one."""
    ordered = sorted(versions, key=lambda v: v.in_force_from)
    in_force = [v for v in ordered if v.in_force_from <= day]
    return in_force[-1] if in_force else ordered[0]


def derivation_fingerprint(
    calendar: AtwCalendar = ATW_CALENDAR, versions: tuple[PolicyVersion, ...] = POLICY_VERSIONS
) -> str:
    """A digest of everything that derived dates and rule answers depend on besides the events:
    the Atw calendar data, the term lengths and the policy versions. A read model records the one
    it was derived with; a different one means its derived dates must be derived again."""
    data = {
        "calendar": calendar.fingerprint_data(),
        "terms": {
            "journey_months": JOURNEY_TERM_MONTHS,
            "decision_months": DECISION_TERM_MONTHS,
            "extended_decision_months": EXTENDED_DECISION_TERM_MONTHS,
            "permit_ready_target_days": PERMIT_READY_TARGET_DAYS,
        },
        "policies": [(v.id, v.in_force_from.isoformat(), list(v.rule_ids)) for v in versions],
    }
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
