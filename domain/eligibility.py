"""A member's eligibility on a date: every rule of the policy in force, and the overall verdict.

DOMAIN.md: "Overall per member: `ineligible` if any rule is `not_met`, else `incomplete` if any is
`unknown`, else `eligible`. Route: `regular` if `timely` is `not_met`, else `nareis`."
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.calendar import ATW_CALENDAR, AtwCalendar
from domain.errors import MemberNotFound
from domain.facts import CaseFacts
from domain.policy import POLICY_VERSIONS, PolicyVersion, policy_in_force_on
from domain.rules import RuleContext, RuleResult
from domain.term import Term, journey_term
from domain.vocabulary import DocumentKind, Outcome, Overall, Route, RuleId


@dataclass(frozen=True)
class MemberEligibility:
    member_id: str
    overall: Overall
    route: Route
    policy: str
    rules: tuple[RuleResult, ...]

    @property
    def missing_documents(self) -> tuple[DocumentKind, ...]:
        kinds = (r.missing_document for r in self.rules if r.missing_document is not None)
        return tuple(dict.fromkeys(kinds))


def term_as_of(facts: CaseFacts, calendar: AtwCalendar = ATW_CALENDAR) -> Term | None:
    """The journey term, if the (as-of) facts hold a grant."""
    return journey_term(facts.grant.granted_on, calendar) if facts.grant else None


def overall_verdict(results: tuple[RuleResult, ...]) -> Overall:
    outcomes = {r.outcome for r in results}
    if Outcome.NOT_MET in outcomes:
        return Overall.INELIGIBLE
    if Outcome.UNKNOWN in outcomes:
        return Overall.INCOMPLETE
    return Overall.ELIGIBLE


def route_for(results: tuple[RuleResult, ...]) -> Route:
    timely_failed = any(r.id == RuleId.TIMELY and r.outcome == Outcome.NOT_MET for r in results)
    return Route.REGULAR if timely_failed else Route.NAREIS


def evaluate_member(
    facts: CaseFacts,
    member_id: str,
    on: date,
    sponsor_holds_dependent_permit: bool,
    versions: tuple[PolicyVersion, ...] = POLICY_VERSIONS,
    calendar: AtwCalendar = ATW_CALENDAR,
) -> MemberEligibility:
    """Evaluate every rule for one member on business date `on`, using only facts dated up to `on`."""
    as_of = facts.as_of(on)
    member = as_of.member(member_id)
    if member is None:
        raise MemberNotFound(facts.case_id, member_id)
    policy = policy_in_force_on(
        member.application.submitted_on if member.application else on, versions
    )
    context = RuleContext(
        as_of, member, on, term_as_of(as_of, calendar), sponsor_holds_dependent_permit
    )
    results = tuple(rule(context) for _, rule in policy.rules)
    return MemberEligibility(
        member_id, overall_verdict(results), route_for(results), policy.id, results
    )


def evaluate_case(
    facts: CaseFacts,
    on: date,
    sponsor_holds_dependent_permit: bool,
    calendar: AtwCalendar = ATW_CALENDAR,
) -> tuple[MemberEligibility, ...]:
    return tuple(
        evaluate_member(facts, m.member_id, on, sponsor_holds_dependent_permit, calendar=calendar)
        for m in facts.members
    )
