"""The journey term and the service's own terms, as pure functions of dates.

DOMAIN.md, "The term (deadline)" and "After the decision". Seed
(`shared/seed/000_dbac3462121e55cd.txt`): "On time means within a period of 3 months after your
family member has been given his temporary asylum residence permit. ... This period starts the day
after your family member has received the asylum residence permit." The term is set by statute
(Vreemdelingenwet 2000, art. 29), so the Algemene termijnenwet (art. 1 and 3) decides where it ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from dateutil.relativedelta import relativedelta

from domain.calendar import ATW_CALENDAR, AtwCalendar, add_calendar_months

JOURNEY_TERM_MONTHS = 3
DECISION_TERM_MONTHS = 3
EXTENDED_DECISION_TERM_MONTHS = 6
PERMIT_VALIDITY_YEARS = 5
PERMIT_READY_TARGET_DAYS = 4

TermStatus = Literal["open", "expired"]


@dataclass(frozen=True)
class Term:
    """The "journey in connection with family reunification" period of one grant.

    `nominal_ends_on` is 3 calendar months after the grant; `ends_on` is where the term really ends
    after the Algemene termijnenwet roll-over. `ends_on` itself is inside the term.
    """

    granted_on: date
    starts_on: date
    nominal_ends_on: date
    ends_on: date

    def days_left(self, on: date) -> int | None:
        """Days from `on` to the last day of the term (0 on that day); None once it has expired."""
        return (self.ends_on - on).days if on <= self.ends_on else None

    def status(self, on: date) -> TermStatus:
        return "open" if on <= self.ends_on else "expired"


def term_starts_on(granted_on: date) -> date:
    """Seed: "This period starts the day after your family member has received the asylum
    residence permit"."""
    return granted_on + timedelta(days=1)


def journey_term(granted_on: date, calendar: AtwCalendar = ATW_CALENDAR) -> Term:
    """The 3-month term in which a family member must apply (DOMAIN.md "The term (deadline)"):
    3 calendar months after `granted_on`, moved past weekends and holidays (Atw art. 1)."""
    nominal_ends_on = add_calendar_months(granted_on, JOURNEY_TERM_MONTHS)
    return Term(
        granted_on=granted_on,
        starts_on=term_starts_on(granted_on),
        nominal_ends_on=nominal_ends_on,
        ends_on=calendar.next_working_day_on_or_after(nominal_ends_on),
    )


def decision_due_on(
    submitted_on: date, extended: bool, calendar: AtwCalendar = ATW_CALENDAR
) -> date:
    """The service's decision term (DOMAIN.md "The term (deadline)"): 3 calendar months after the
    application, 6 once a DecisionPeriodExtended is recorded; same counting and Atw roll-over."""
    months = EXTENDED_DECISION_TERM_MONTHS if extended else DECISION_TERM_MONTHS
    return calendar.next_working_day_on_or_after(add_calendar_months(submitted_on, months))


def permit_valid_until(valid_from: date) -> date:
    """Seed: "Your residence permit is valid for 5 years" (DOMAIN.md "After the decision": the same
    day 5 years later; 29 February -> 28 February)."""
    return valid_from + relativedelta(years=PERMIT_VALIDITY_YEARS)


def permanent_residence_possible_from(valid_from: date) -> date:
    """Seed: "After you have had a residence permit for 5 years, you can apply for a permanent
    residence permit" (and for Dutch citizenship; DOMAIN.md "After the decision")."""
    return permit_valid_until(valid_from)


def permit_ready_within_target(decided_on: date, issued_on: date) -> bool:
    """Seed: "you will get your residence permit within 4 days" (DOMAIN.md "After the decision":
    `issued_on` - `decided_on` <= 4 days is within target)."""
    return (issued_on - decided_on).days <= PERMIT_READY_TARGET_DAYS
