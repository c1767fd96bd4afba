"""The Algemene termijnenwet (Atw) calendar: which days a statutory term may not end on.

Algemene termijnenwet art. 1: a term set by statute that would end on a Saturday, Sunday or generally
recognised holiday is extended to the next day that is none of these. Art. 3 lists those holidays;
days that a decree declares equal to them are kept as data (`data/atw_decreed_days.json`), so adding
one needs no code change.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from importlib.resources import files

from dateutil.easter import easter
from dateutil.relativedelta import relativedelta


def add_calendar_months(start: date, months: int) -> date:
    """The same day `months` calendar months later; the month's last day where it has no such day."""
    return start + relativedelta(months=months)


@dataclass(frozen=True)
class NationalDay:
    """The monarch's birthday as a holiday, with the day it moves to when it falls on a Sunday."""

    name: str
    first_year: int
    last_year: int
    month: int
    day: int
    on_sunday_move_days: int

    def in_year(self, year: int) -> date | None:
        if not self.first_year <= year <= self.last_year:
            return None
        day = date(year, self.month, self.day)
        return day + timedelta(days=self.on_sunday_move_days) if day.weekday() == 6 else day


NATIONAL_DAYS = (
    NationalDay("Queen's Day", 1949, 2013, 4, 30, -1),
    NationalDay("King's Day", 2014, 9999, 4, 27, -1),
)

FIXED_HOLIDAYS = (
    (1, 1, "New Year's Day"),
    (5, 5, "Liberation Day (5 May)"),
    (12, 25, "Christmas Day"),
    (12, 26, "Boxing Day"),
)
EASTER_HOLIDAYS = (
    (-2, "Good Friday"),
    (1, "Easter Monday"),
    (39, "Ascension Day"),
    (50, "Whit Monday"),
)


def load_decreed_days() -> dict[date, str]:
    raw = json.loads((files("domain") / "data" / "atw_decreed_days.json").read_text("utf-8"))
    return {date.fromisoformat(entry["date"]): entry["decree"] for entry in raw["days"]}


@dataclass(frozen=True)
class AtwCalendar:
    decreed_days: dict[date, str] = field(default_factory=dict)

    @classmethod
    def from_packaged_data(cls) -> AtwCalendar:
        return cls(load_decreed_days())

    def holidays_in(self, year: int) -> dict[date, str]:
        """Every generally recognised holiday of Atw art. 3 in `year`, with its name."""
        days = {date(year, month, day): name for month, day, name in FIXED_HOLIDAYS}
        easter_sunday = easter(year)
        days |= {easter_sunday + timedelta(days=offset): name for offset, name in EASTER_HOLIDAYS}
        for national in NATIONAL_DAYS:
            day = national.in_year(year)
            if day is not None:
                days[day] = national.name
        days |= {d: f"decreed: {why}" for d, why in self.decreed_days.items() if d.year == year}
        return days

    def is_holiday(self, day: date) -> bool:
        return day in self.holidays_in(day.year)

    def is_non_working_day(self, day: date) -> bool:
        return day.weekday() >= 5 or self.is_holiday(day)

    def next_working_day_on_or_after(self, day: date) -> date:
        while self.is_non_working_day(day):
            day += timedelta(days=1)
        return day


ATW_CALENDAR = AtwCalendar.from_packaged_data()
