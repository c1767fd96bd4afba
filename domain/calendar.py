"""The Algemene termijnenwet (Atw) calendar: the days on which a statutory term may not end.

The journey term is set by statute (Vreemdelingenwet 2000, art. 29; seed
`shared/seed/000_dbac3462121e55cd.txt`: "This period starts the day after your family member has
received the asylum residence permit"), so the Atw governs its end:

- Atw art. 1: a term set by statute that would end on a Saturday, Sunday or generally recognised
  holiday is extended to the next day that is none of these.
- Atw art. 3 lid 1 and 2: the generally recognised holidays, Good Friday included.
- Atw art. 3 lid 3: days that a published decree declares equal to them. These are data
  (`domain/data/atw_decreed_days.json`), so a new decree needs no code change.

No clock is read here; the only I/O is loading the packaged data file.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import astuple, dataclass
from datetime import date, timedelta
from functools import lru_cache
from importlib.resources import files

from dateutil.easter import easter
from dateutil.relativedelta import relativedelta

SATURDAY = 5
SUNDAY = 6
DECREED_DAY_NAME = "a day declared equal to a holiday by decree (Atw art. 3 lid 3)"


def add_calendar_months(start: date, months: int) -> date:
    """The same day of the month `months` calendar months later; where the target month has no such
    day, its last day (DOMAIN.md "The term": 2025-11-30 + 3 months -> 2026-02-28)."""
    return start + relativedelta(months=months)


@dataclass(frozen=True)
class NationalDay:
    """The day the monarch's birthday is celebrated (Atw art. 3 lid 1), for the years it applies,
    with how many days it moves when its date falls on a Sunday."""

    name: str
    first_year: int
    last_year: int
    month: int
    day: int
    sunday_fallback_days: int

    def in_year(self, year: int) -> date | None:
        if not self.first_year <= year <= self.last_year:
            return None
        birthday = date(year, self.month, self.day)
        if birthday.weekday() == SUNDAY:
            return birthday + timedelta(days=self.sunday_fallback_days)
        return birthday


# Until 1980 a Queen's Day on a Sunday moved to Monday 1 May; since 1980 it moves to the Saturday.
NATIONAL_DAYS: tuple[NationalDay, ...] = (
    NationalDay("Queen's Day", 1949, 1979, 4, 30, +1),
    NationalDay("Queen's Day", 1980, 2013, 4, 30, -1),
    NationalDay("King's Day", 2014, 9999, 4, 27, -1),
)

FIXED_HOLIDAYS: tuple[tuple[int, int, str], ...] = (
    (1, 1, "New Year's Day"),
    (5, 5, "Liberation Day (5 May)"),
    (12, 25, "Christmas Day"),
    (12, 26, "Boxing Day"),
)

EASTER_HOLIDAYS: tuple[tuple[int, str], ...] = (
    (-2, "Good Friday"),
    (1, "Easter Monday"),
    (39, "Ascension Day"),
    (50, "Whit Monday"),
)


@dataclass(frozen=True)
class Decree:
    """A decree under Atw art. 3 lid 3: the years it covers and the days it declares."""

    name: str
    first_year: int
    last_year: int
    days: tuple[tuple[date, str], ...]


def load_decrees() -> tuple[Decree, ...]:
    """The packaged decrees (Atw art. 3 lid 3), each with the years it covers and its days."""
    data_file = files("domain") / "data" / "atw_decreed_days.json"
    raw = json.loads(data_file.read_bytes())  # JSON is UTF-8; json.loads decodes the bytes
    return tuple(
        Decree(
            name=entry["decree"],
            first_year=entry["years"][0],
            last_year=entry["years"][1],
            days=tuple((date.fromisoformat(d["date"]), d["day"]) for d in entry["days"]),
        )
        for entry in raw["decrees"]
    )


@dataclass(frozen=True)
class AtwCalendar:
    """Saturdays, Sundays and the generally recognised holidays of Atw art. 3, plus `decreed_days`.

    `decree_descriptions` only names decreed days in `holidays_in`; whether a day is a holiday
    depends on `decreed_days` alone.
    """

    decreed_days: frozenset[date] = frozenset()
    decree_descriptions: tuple[tuple[date, str], ...] = ()
    decreed_years: frozenset[int] = frozenset()

    def __post_init__(self) -> None:
        # Accept any collection of dates (a set, a dict keyed by date) and keep it immutable.
        object.__setattr__(self, "decreed_days", frozenset(self.decreed_days))
        object.__setattr__(self, "decreed_years", frozenset(self.decreed_years))

    @classmethod
    def from_decrees(
        cls, decrees: Mapping[date, str], decreed_years: Iterable[int] = ()
    ) -> AtwCalendar:
        return cls(frozenset(decrees), tuple(sorted(decrees.items())), frozenset(decreed_years))

    @classmethod
    def from_packaged_data(cls) -> AtwCalendar:
        decrees = load_decrees()
        days = {
            day: f"{what}, declared equal to a holiday by the {decree.name} (Atw art. 3 lid 3)"
            for decree in decrees
            for day, what in decree.days
        }
        years = {
            year for decree in decrees for year in range(decree.first_year, decree.last_year + 1)
        }
        return cls.from_decrees(days, years)

    def with_decreed_days(self, days: Iterable[date], years: Iterable[int] = ()) -> AtwCalendar:
        """This calendar with more decreed days (a decree published after the packaged data) and
        the years that decree covers."""
        return AtwCalendar(
            self.decreed_days | frozenset(days),
            self.decree_descriptions,
            self.decreed_years | frozenset(years),
        )

    def has_decree_for(self, year: int) -> bool:
        """Whether the data holds a decree covering `year`; where not, a decreed day may be
        missing from the answer (DOMAIN.md, "The term")."""
        return year in self.decreed_years

    def fingerprint_data(self) -> dict[str, object]:
        """Everything that decides which days are non-working, as plain data."""
        return {
            "decreed_days": sorted(d.isoformat() for d in self.decreed_days),
            "decreed_years": sorted(self.decreed_years),
            "national_days": [list(astuple(n)) for n in NATIONAL_DAYS],
            "fixed_holidays": [list(h) for h in FIXED_HOLIDAYS],
            "easter_holidays": [list(h) for h in EASTER_HOLIDAYS],
        }

    def holidays_in(self, year: int) -> dict[date, str]:
        """Every generally recognised holiday of Atw art. 3 in `year`, with its name."""
        return dict(_holidays_in(self, year))

    def is_holiday(self, day: date) -> bool:
        return day in _holidays_in(self, day.year)

    def is_non_working_day(self, day: date) -> bool:
        """A Saturday, Sunday or generally recognised holiday: a day a term may not end on."""
        return day.weekday() in (SATURDAY, SUNDAY) or self.is_holiday(day)

    def next_working_day_on_or_after(self, day: date) -> date:
        """Where a statutory term ending on `day` actually ends (Atw art. 1)."""
        while self.is_non_working_day(day):
            day += timedelta(days=1)
        return day

    def _decreed_day_name(self, day: date) -> str:
        return dict(self.decree_descriptions).get(day, DECREED_DAY_NAME)


@lru_cache(maxsize=512)
def _holidays_in(calendar: AtwCalendar, year: int) -> Mapping[date, str]:
    """`_compute_holidays_in`, cached: a term's end asks about the same few years again and again.

    Only this wrapper is decorated, so that mutation testing (which skips decorated functions)
    still mutates the holiday logic (README, "Tests")."""
    return _compute_holidays_in(calendar, year)


def _compute_holidays_in(calendar: AtwCalendar, year: int) -> Mapping[date, str]:
    """The generally recognised holidays of Atw art. 3 in `year`, and `calendar`'s decreed days."""
    holidays = {date(year, month, day): name for month, day, name in FIXED_HOLIDAYS}
    easter_sunday = easter(year)
    holidays |= {easter_sunday + timedelta(days=offset): name for offset, name in EASTER_HOLIDAYS}
    for national_day in NATIONAL_DAYS:
        celebrated_on = national_day.in_year(year)
        if celebrated_on is not None:
            holidays[celebrated_on] = national_day.name
    decreed = {
        day: calendar._decreed_day_name(day) for day in calendar.decreed_days if day.year == year
    }
    return decreed | holidays  # a statutory holiday keeps its own name if a decree repeats it


ATW_CALENDAR = AtwCalendar.from_packaged_data()
