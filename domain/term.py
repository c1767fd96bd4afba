"""The journey term and the service's own terms (DOMAIN.md, "The term (deadline)", "After the
decision"), as pure functions of dates.

Seed (`shared/seed/000_dbac3462121e55cd.txt`): "On time means within a period of 3 months after your
family member has been given his temporary asylum residence permit ... This period starts the day
after your family member has received the asylum residence permit." The term is set by statute
(Vreemdelingenwet 2000, art. 29), so the Algemene termijnenwet applies to its end.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta

from domain.calendar import ATW_CALENDAR, AtwCalendar, add_calendar_months

JOURNEY_TERM_MONTHS = 3
DECISION_TERM_MONTHS = 3
EXTENDED_DECISION_TERM_MONTHS = 6
PERMIT_VALIDITY_YEARS = 5
PERMIT_READY_TARGET_DAYS = 4


@dataclass(frozen=True)
class Term:
    granted_on: date
    starts_on: date
    nominal_ends_on: date
    ends_on: date

    def days_left(self, on: date) -> int | None:
        """Days from `on` to the last day of the term (0 on that day); None once it has expired."""
        return (self.ends_on - on).days if on <= self.ends_on else None

    def status(self, on: date) -> str:
        return "open" if on <= self.ends_on else "expired"


def journey_term(granted_on: date, calendar: AtwCalendar = ATW_CALENDAR) -> Term:
    """The 3-month "journey in connection with family reunification" period after a grant."""
    nominal = add_calendar_months(granted_on, JOURNEY_TERM_MONTHS)
    return Term(
        granted_on=granted_on,
        starts_on=date.fromordinal(granted_on.toordinal() + 1),
        nominal_ends_on=nominal,
        ends_on=calendar.next_working_day_on_or_after(nominal),
    )


def decision_due_on(
    submitted_on: date, extended: bool, calendar: AtwCalendar = ATW_CALENDAR
) -> date:
    """The service's decision term: 3 months after the application, 6 once extended; same counting."""
    months = EXTENDED_DECISION_TERM_MONTHS if extended else DECISION_TERM_MONTHS
    return calendar.next_working_day_on_or_after(add_calendar_months(submitted_on, months))


def permit_valid_until(valid_from: date) -> date:
    """Seed: "Your residence permit is valid for 5 years" (same day; 29 February -> 28 February)."""
    return valid_from + relativedelta(years=PERMIT_VALIDITY_YEARS)


def permanent_residence_possible_from(valid_from: date) -> date:
    """Seed: "After you have had a residence permit for 5 years, you can apply for a permanent
    residence permit" (and for Dutch citizenship)."""
    return permit_valid_until(valid_from)


def permit_ready_within_target(decided_on: date, issued_on: date) -> bool:
    """Seed: "you will get your residence permit within 4 days"."""
    return (issued_on - decided_on).days <= PERMIT_READY_TARGET_DAYS
