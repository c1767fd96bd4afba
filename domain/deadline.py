"""The deadline view of a case on a date (DOMAIN.md, "The term (deadline)").

Status `awaiting_grant` / `open` / `expired`, the term's dates, and per member whether the
application is timely, late or absent, when the service's decision is due, and whether it is overdue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.calendar import ATW_CALENDAR, AtwCalendar
from domain.eligibility import term_as_of
from domain.facts import CaseFacts, MemberFacts
from domain.term import Term, decision_due_on
from domain.vocabulary import ApplicationTimeliness, DeadlineStatus


@dataclass(frozen=True)
class MemberDeadline:
    member_id: str
    application: ApplicationTimeliness
    submitted_on: date | None
    decision_due_on: date | None
    overdue: bool


@dataclass(frozen=True)
class CaseDeadline:
    status: DeadlineStatus
    term: Term | None
    days_left: int | None
    members: tuple[MemberDeadline, ...]
    explanation: str


def explain_term(term: Term | None, on: date, calendar: AtwCalendar = ATW_CALENDAR) -> str:
    """The term in words: from which grant, which nominal end, and why it moved (if it did)."""
    if term is None:
        return f"No grant to the sponsor is recorded on or before {on.isoformat()}."
    nominal = term.nominal_ends_on
    text = (
        f"Granted {term.granted_on.isoformat()}: the term runs from {term.starts_on.isoformat()} "
        f"to 3 calendar months after the grant, {nominal.strftime('%A')} {nominal.isoformat()}"
    )
    if term.ends_on != nominal:
        why = calendar.holidays_in(nominal.year).get(nominal) or nominal.strftime("%A")
        text += (
            f", which is a non-working day ({why}); under the Algemene termijnenwet it ends on the "
            f"next working day, {term.ends_on.strftime('%A')} {term.ends_on.isoformat()}"
        )
    return text + "."


def explain_decree_coverage(days: list[date], calendar: AtwCalendar = ATW_CALENDAR) -> str:
    """DOMAIN.md "The term": where a year that decides one of `days` has no decree in the data,
    say so, so that a caseworker knows the answer may miss a decreed day."""
    uncovered = sorted({d.year for d in days if not calendar.has_decree_for(d.year)})
    if not uncovered:
        return ""
    years = ", ".join(str(y) for y in uncovered)
    return (
        f" No decree under Atw art. 3 lid 3 is in the data for {years}: a day decreed equal to "
        "a holiday there is not counted, so this answer may miss one."
    )


def deadline_status(term: Term | None, on: date) -> DeadlineStatus:
    if term is None:
        return DeadlineStatus.AWAITING_GRANT
    return DeadlineStatus(term.status(on))


def application_timeliness(member: MemberFacts, term: Term | None) -> ApplicationTimeliness:
    """DOMAIN.md: `timely` when submitted_on <= term_ends_on, `late` after it, `none` when not
    submitted (an application submitted while no grant is recorded counts as timely)."""
    if member.application is None:
        return ApplicationTimeliness.NONE
    if term is None or member.application.submitted_on <= term.ends_on:
        return ApplicationTimeliness.TIMELY
    return ApplicationTimeliness.LATE


def member_decision_due_on(
    member: MemberFacts, calendar: AtwCalendar = ATW_CALENDAR
) -> date | None:
    if member.application is None:
        return None
    return decision_due_on(member.application.submitted_on, member.extension is not None, calendar)


def is_overdue(member: MemberFacts, on: date, calendar: AtwCalendar = ATW_CALENDAR) -> bool:
    """A pending application (no decision, not withdrawn) past its decision due date."""
    due = member_decision_due_on(member, calendar)
    pending = member.decision is None and member.withdrawal is None
    return due is not None and pending and on > due


def case_deadline(facts: CaseFacts, on: date, calendar: AtwCalendar = ATW_CALENDAR) -> CaseDeadline:
    as_of = facts.as_of(on)
    term = term_as_of(as_of, calendar)
    members = tuple(
        MemberDeadline(
            member_id=m.member_id,
            application=application_timeliness(m, term),
            submitted_on=m.application.submitted_on if m.application else None,
            decision_due_on=member_decision_due_on(m, calendar),
            overdue=is_overdue(m, on, calendar),
        )
        for m in as_of.members
    )
    days_left = term.days_left(on) if term else None
    decided_by = [term.nominal_ends_on, term.ends_on] if term else []
    decided_by += [m.decision_due_on for m in members if m.decision_due_on is not None]
    explanation = explain_term(term, on, calendar) + explain_decree_coverage(decided_by, calendar)
    return CaseDeadline(deadline_status(term, on), term, days_left, members, explanation)
