"""A member's eligibility on a date: every rule of the policy in force, and the overall verdict.

DOMAIN.md: "Overall per member: `ineligible` if any rule is `not_met`, else `incomplete` if any is
`unknown`, else `eligible`. Route: `regular` if `timely` is `not_met`, else `nareis`."
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from domain.calendar import ATW_CALENDAR, AtwCalendar
from domain.errors import MemberNotFound
from domain.facts import CaseFacts, MemberFacts
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
    *,
    versions: tuple[PolicyVersion, ...] = POLICY_VERSIONS,
    calendar: AtwCalendar = ATW_CALENDAR,
) -> MemberEligibility:
    """Evaluate every rule for one member on business date `on`, using only facts dated up to `on`."""
    as_of = facts.as_of(on)
    member = as_of.member(member_id)
    if member is None:
        raise MemberNotFound(facts.case_id, member_id)
    term = term_as_of(as_of, calendar)
    return _evaluate(as_of, member, on, term, sponsor_holds_dependent_permit, versions)


def evaluate_case(
    facts: CaseFacts,
    on: date,
    sponsor_holds_dependent_permit: bool,
    *,
    versions: tuple[PolicyVersion, ...] = POLICY_VERSIONS,
    calendar: AtwCalendar = ATW_CALENDAR,
) -> tuple[MemberEligibility, ...]:
    """Every member on `on`: the case is taken as of `on`, and its term computed, once for all."""
    as_of = facts.as_of(on)
    term = term_as_of(as_of, calendar)
    return tuple(
        _evaluate(as_of, member, on, term, sponsor_holds_dependent_permit, versions)
        for member in as_of.members
    )


def _evaluate(
    as_of: CaseFacts,
    member: MemberFacts,
    on: date,
    term: Term | None,
    sponsor_holds_dependent_permit: bool,
    versions: tuple[PolicyVersion, ...],
) -> MemberEligibility:
    """One member of a case already taken as of `on`, judged under the policy in force."""
    policy = policy_in_force_on(
        member.application.submitted_on if member.application else on, versions
    )
    context = RuleContext(as_of, member, on, term, sponsor_holds_dependent_permit)
    results = tuple(rule(context) for _, rule in policy.rules)
    return MemberEligibility(
        member.member_id, overall_verdict(results), route_for(results), policy.id, results
    )


def refusal_dates(facts: CaseFacts) -> frozenset[date]:
    """The dates of the case's refusals: where `grounds_not_supported` needs the dependent-permit
    register's answer."""
    return frozenset(m.decision.decided_on for m in facts.members if m.decision and m.is_refused)


def grounds_not_supported(
    facts: CaseFacts,
    sponsor_holds_dependent_permit_on: Mapping[date, bool],
    *,
    versions: tuple[PolicyVersion, ...] = POLICY_VERSIONS,
    calendar: AtwCalendar = ATW_CALENDAR,
) -> dict[str, tuple[RuleId, ...]]:
    """DOMAIN.md "Settled questions": a refusal's grounds must be rule ids; a ground whose rule is
    `met` on `decided_on` is accepted (the caseworker may know more than the record), and the
    decision view marks it `ground_not_supported`. For each refused member: those grounds, found by
    evaluating the member on `decided_on` with the facts as they stood then (and the
    dependent-permit register's answer for that date, as for the decision itself)."""
    marks: dict[str, tuple[RuleId, ...]] = {}
    for day in sorted(refusal_dates(facts)):
        as_of = facts.as_of(day)
        term = term_as_of(as_of, calendar)
        holds = sponsor_holds_dependent_permit_on[day]
        for member in as_of.members:
            if (
                member.decision is None
                or not member.is_refused
                or member.decision.decided_on != day
            ):
                continue
            answer = _evaluate(as_of, member, day, term, holds, versions)
            met = {r.id for r in answer.rules if r.outcome == Outcome.MET}
            marks[member.member_id] = tuple(RuleId(g) for g in member.decision.grounds if g in met)
    return marks
