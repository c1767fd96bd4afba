"""The journey term, the decision term and the permit's validity (DOMAIN.md, "The term")."""

from __future__ import annotations

from datetime import date

import pytest

from domain.calendar import ATW_CALENDAR, AtwCalendar, add_calendar_months, load_decreed_days
from domain.term import (
    decision_due_on,
    journey_term,
    permanent_residence_possible_from,
    permit_ready_within_target,
    permit_valid_until,
)

D = date.fromisoformat
WEEKDAY = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        ("2026-01-15", "2026-04-15"),
        ("2025-11-30", "2026-02-28"),
        ("2026-02-28", "2026-05-28"),
        ("2023-11-29", "2024-02-29"),
        ("2023-11-30", "2024-02-29"),
        ("2024-11-30", "2025-02-28"),
        ("2026-12-31", "2027-03-31"),
        ("2026-05-31", "2026-08-31"),
        ("2026-03-31", "2026-06-30"),
    ],
    ids=[
        "same day",
        "month end clamps to 28 Feb",
        "28 Feb keeps the 28th",
        "leap year 29 Feb",
        "30 Nov to leap 29 Feb",
        "30 Nov to 28 Feb",
        "across the year end",
        "31st to a 31st",
        "31st to a 30th",
    ],
)
def test_calendar_months_keep_the_day_or_clamp_to_the_months_last_day(start, expected):
    assert add_calendar_months(D(start), 3) == D(expected)


@pytest.mark.parametrize(
    ("granted_on", "nominal_end", "nominal_weekday", "term_ends_on", "end_weekday"),
    [
        ("2026-01-15", "2026-04-15", "Wed", "2026-04-15", "Wed"),
        ("2025-11-30", "2026-02-28", "Sat", "2026-03-02", "Mon"),
        ("2026-02-28", "2026-05-28", "Thu", "2026-05-28", "Thu"),
        ("2026-03-01", "2026-06-01", "Mon", "2026-06-01", "Mon"),
        ("2026-03-07", "2026-06-07", "Sun", "2026-06-08", "Mon"),
        ("2026-01-03", "2026-04-03", "Fri", "2026-04-07", "Tue"),
        ("2026-01-06", "2026-04-06", "Mon", "2026-04-07", "Tue"),
        ("2026-01-27", "2026-04-27", "Mon", "2026-04-28", "Tue"),
        ("2025-01-26", "2025-04-26", "Sat", "2025-04-28", "Mon"),
        ("2026-02-05", "2026-05-05", "Tue", "2026-05-06", "Wed"),
        ("2026-02-14", "2026-05-14", "Thu", "2026-05-18", "Mon"),
        ("2026-02-25", "2026-05-25", "Mon", "2026-05-26", "Tue"),
        ("2025-10-02", "2026-01-02", "Fri", "2026-01-05", "Mon"),
        ("2027-02-07", "2027-05-07", "Fri", "2027-05-10", "Mon"),
        ("2026-09-25", "2026-12-25", "Fri", "2026-12-28", "Mon"),
        ("2026-09-26", "2026-12-26", "Sat", "2026-12-28", "Mon"),
        ("2026-10-01", "2027-01-01", "Fri", "2027-01-04", "Mon"),
        ("2023-11-30", "2024-02-29", "Thu", "2024-02-29", "Thu"),
        ("2024-11-29", "2025-02-28", "Fri", "2025-02-28", "Fri"),
        ("2024-11-30", "2025-02-28", "Fri", "2025-02-28", "Fri"),
        ("2023-12-02", "2024-03-02", "Sat", "2024-03-04", "Mon"),
    ],
    ids=[
        "a working day",
        "month end on a Saturday",
        "28 Feb grant",
        "a Monday",
        "a Sunday",
        "Good Friday then Easter Monday",
        "Easter Monday",
        "King's Day",
        "King's Day moved to Saturday 26 April as the 27th is a Sunday",
        "5 May",
        "Ascension Day then the decreed Friday 15 May 2026",
        "Whit Monday",
        "decreed 2 January 2026",
        "decreed 7 May 2027",
        "Christmas Day and Boxing Day",
        "Boxing Day on a Saturday",
        "New Year's Day",
        "leap day 29 Feb 2024",
        "28 Feb in a common year",
        "30 Nov to 28 Feb 2025",
        "leap year roll-over to March",
    ],
)
def test_the_term_ends_three_calendar_months_after_the_grant_on_the_next_working_day(
    granted_on, nominal_end, nominal_weekday, term_ends_on, end_weekday
):
    term = journey_term(D(granted_on))
    assert term.nominal_ends_on == D(nominal_end)
    assert WEEKDAY[term.nominal_ends_on.weekday()] == nominal_weekday
    assert term.ends_on == D(term_ends_on)
    assert WEEKDAY[term.ends_on.weekday()] == end_weekday
    assert term.starts_on == date.fromordinal(D(granted_on).toordinal() + 1)


def test_the_last_day_of_the_term_is_inside_it_and_the_next_day_is_not():
    term = journey_term(D("2025-11-30"))
    assert term.days_left(D("2026-02-28")) == 2
    assert term.days_left(D("2026-03-02")) == 0
    assert term.status(D("2026-03-02")) == "open"
    assert term.days_left(D("2026-03-03")) is None
    assert term.status(D("2026-03-03")) == "expired"


@pytest.mark.parametrize(
    ("year", "holiday", "name"),
    [
        (2026, "2026-04-03", "Good Friday"),
        (2026, "2026-04-06", "Easter Monday"),
        (2026, "2026-05-14", "Ascension Day"),
        (2026, "2026-05-25", "Whit Monday"),
        (2026, "2026-04-27", "King's Day"),
        (2025, "2025-04-26", "King's Day"),
        (2031, "2031-04-26", "King's Day"),
        (2013, "2013-04-30", "Queen's Day"),
        (2006, "2006-04-29", "Queen's Day"),
        (2026, "2026-05-05", "Liberation Day (5 May)"),
        (2026, "2026-01-01", "New Year's Day"),
        (2026, "2026-12-25", "Christmas Day"),
        (2026, "2026-12-26", "Boxing Day"),
    ],
    ids=lambda v: str(v),
)
def test_the_algemene_termijnenwet_holidays_of_a_year(year, holiday, name):
    assert ATW_CALENDAR.holidays_in(year)[D(holiday)] == name


def test_kings_day_is_not_on_the_27th_when_that_is_a_sunday():
    assert D("2025-04-27") not in ATW_CALENDAR.holidays_in(2025)
    assert D("2014-04-30") not in ATW_CALENDAR.holidays_in(2014)  # Queen's Day ended in 2013


def test_the_decreed_days_come_from_the_data_file():
    decreed = load_decreed_days()
    assert {D("2026-01-02"), D("2026-05-15"), D("2027-05-07")} <= set(decreed)
    assert all(ATW_CALENDAR.is_holiday(day) for day in decreed)


def test_a_newly_decreed_day_needs_data_not_code():
    extended = AtwCalendar({**load_decreed_days(), D("2026-06-01"): "a future decree"})
    assert not ATW_CALENDAR.is_holiday(D("2026-06-01"))
    assert extended.is_holiday(D("2026-06-01"))
    assert journey_term(D("2026-03-01"), extended).ends_on == D("2026-06-02")
    assert journey_term(D("2026-03-01")).ends_on == D("2026-06-01")


@pytest.mark.parametrize(
    ("submitted_on", "extended", "due"),
    [
        ("2026-01-15", False, "2026-04-15"),
        ("2026-01-15", True, "2026-07-15"),
        ("2025-11-30", False, "2026-03-02"),
        ("2025-11-30", True, "2026-06-01"),
        ("2026-01-03", False, "2026-04-07"),
        ("2025-08-31", True, "2026-03-02"),
        ("2025-08-29", True, "2026-03-02"),
    ],
    ids=[
        "3 months",
        "6 months once extended",
        "3 months rolled past a weekend",
        "6 months to Saturday 30 May, rolled to Monday",
        "3 months rolled past Easter",
        "6 months clamped to Saturday 28 Feb, rolled to Monday",
        "6 months landing on a Sunday",
    ],
)
def test_the_decision_is_due_three_months_after_the_application_or_six_once_extended(
    submitted_on, extended, due
):
    assert decision_due_on(D(submitted_on), extended) == D(due)


@pytest.mark.parametrize(
    ("valid_from", "valid_until"),
    [("2026-04-01", "2031-04-01"), ("2024-02-29", "2029-02-28"), ("2028-02-29", "2033-02-28")],
    ids=["same day", "29 Feb to 28 Feb", "another leap day"],
)
def test_the_permit_is_valid_five_years_and_permanent_residence_follows(valid_from, valid_until):
    assert permit_valid_until(D(valid_from)) == D(valid_until)
    assert permanent_residence_possible_from(D(valid_from)) == D(valid_until)


@pytest.mark.parametrize(
    ("decided_on", "issued_on", "within"),
    [
        ("2026-04-01", "2026-04-01", True),
        ("2026-04-01", "2026-04-05", True),
        ("2026-04-01", "2026-04-06", False),
    ],
    ids=["same day", "4 days", "5 days"],
)
def test_the_permit_is_ready_within_the_4_day_target(decided_on, issued_on, within):
    assert permit_ready_within_target(D(decided_on), D(issued_on)) is within
