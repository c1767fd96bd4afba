"""Dated versions of the rule set (DOMAIN.md, "Rules change over time").

A policy change, such as the two-status system that narrows reunification to the nuclear family, is
added as a new `PolicyVersion` with its own `in_force_from` date, next to the current one. An
application is judged under the version in force on its `submitted_on`; the answer names it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain import rules
from domain.rules import Rule
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
