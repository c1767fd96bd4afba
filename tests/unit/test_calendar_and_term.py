"""The Algemene termijnenwet calendar and the terms built on it (DOMAIN.md, "The term (deadline)"
and "After the decision"; seed: "This period starts the day after your family member has received
the asylum residence permit").

Every weekday written below is asserted too, so a wrong expectation about the calendar fails loudly.
"""

from __future__ import annotations

from datetime import date

import pytest

from domain.calendar import (
    ATW_CALENDAR,
    NATIONAL_DAYS,
    AtwCalendar,
    NationalDay,
    add_calendar_months,
    load_decrees,
)
from domain.deadline import explain_term
from domain.facts import Permit
from domain.term import (
    DECISION_TERM_MONTHS,
    EXTENDED_DECISION_TERM_MONTHS,
    JOURNEY_TERM_MONTHS,
    PERMIT_READY_TARGET_DAYS,
    PERMIT_VALIDITY_YEARS,
    decision_due_on,
    journey_term,
    permanent_residence_possible_from,
    permit_ready_within_target,
    permit_valid_until,
    term_starts_on,
)

D = date.fromisoformat
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def weekday_of(iso_date: str) -> str:
    return WEEKDAYS[D(iso_date).weekday()]


def test_the_legal_periods_are_the_ones_the_seed_names():
    assert JOURNEY_TERM_MONTHS == 3
    assert (DECISION_TERM_MONTHS, EXTENDED_DECISION_TERM_MONTHS) == (3, 6)
    assert PERMIT_VALIDITY_YEARS == 5
    assert PERMIT_READY_TARGET_DAYS == 4


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        ("2026-01-15", 3, "2026-04-15"),
        ("2025-11-30", 3, "2026-02-28"),
        ("2026-02-28", 3, "2026-05-28"),
        ("2023-11-30", 3, "2024-02-29"),
        ("2023-11-29", 3, "2024-02-29"),
        ("2024-11-30", 3, "2025-02-28"),
        ("2026-03-31", 3, "2026-06-30"),
        ("2026-12-31", 3, "2027-03-31"),
        ("2025-08-31", 6, "2026-02-28"),
    ],
    ids=[
        "the same day of the month",
        "30 November clamps to 28 February",
        "28 February keeps the 28th, it does not jump to the month end",
        "30 November clamps to 29 February in a leap year",
        "29 November lands on 29 February in a leap year",
        "30 November clamps to 28 February in a common year",
        "31 March clamps to 30 June",
        "across the year end",
        "six months clamp too",
    ],
)
def test_calendar_months_keep_the_day_of_the_month_or_clamp_to_the_last_day(
    start, months, expected
):
    assert add_calendar_months(D(start), months) == D(expected)


TERM_CASES = [
    # granted_on, nominal end, its weekday, term_ends_on, its weekday
    pytest.param("2026-01-15", "2026-04-15", "Wed", "2026-04-15", "Wed", id="on-a-working-day"),
    pytest.param("2025-11-30", "2026-02-28", "Sat", "2026-03-02", "Mon", id="saturday-to-monday"),
    pytest.param("2026-02-28", "2026-05-28", "Thu", "2026-05-28", "Thu", id="28-feb-grant"),
    pytest.param("2026-03-07", "2026-06-07", "Sun", "2026-06-08", "Mon", id="sunday-to-monday"),
    pytest.param("2026-01-03", "2026-04-03", "Fri", "2026-04-07", "Tue", id="good-friday-2026"),
    pytest.param("2026-01-06", "2026-04-06", "Mon", "2026-04-07", "Tue", id="easter-monday-2026"),
    pytest.param(
        "2026-02-14", "2026-05-14", "Thu", "2026-05-18", "Mon", id="ascension-then-decreed-15-may"
    ),
    pytest.param(
        "2027-02-06", "2027-05-06", "Thu", "2027-05-10", "Mon", id="ascension-then-decreed-7-may"
    ),
    pytest.param("2027-02-07", "2027-05-07", "Fri", "2027-05-10", "Mon", id="decreed-7-may-2027"),
    pytest.param("2026-02-25", "2026-05-25", "Mon", "2026-05-26", "Tue", id="whit-monday-2026"),
    pytest.param("2026-01-27", "2026-04-27", "Mon", "2026-04-28", "Tue", id="kings-day-weekday"),
    pytest.param("2013-01-30", "2013-04-30", "Tue", "2013-05-01", "Wed", id="queens-day-2013"),
    pytest.param(
        "1978-02-01", "1978-05-01", "Mon", "1978-05-02", "Tue", id="queens-day-1-may-1978"
    ),
    pytest.param("2026-02-05", "2026-05-05", "Tue", "2026-05-06", "Wed", id="5-may"),
    pytest.param("2025-10-02", "2026-01-02", "Fri", "2026-01-05", "Mon", id="decreed-2-jan-2026"),
    pytest.param(
        "2025-10-01", "2026-01-01", "Thu", "2026-01-05", "Mon", id="new-year-then-decreed-2-jan"
    ),
    pytest.param("2026-10-01", "2027-01-01", "Fri", "2027-01-04", "Mon", id="new-years-day-2027"),
    pytest.param("2026-09-25", "2026-12-25", "Fri", "2026-12-28", "Mon", id="christmas-day"),
    pytest.param("2026-09-26", "2026-12-26", "Sat", "2026-12-28", "Mon", id="boxing-day-saturday"),
    pytest.param("2023-11-29", "2024-02-29", "Thu", "2024-02-29", "Thu", id="leap-day-from-29-nov"),
    pytest.param("2023-11-30", "2024-02-29", "Thu", "2024-02-29", "Thu", id="leap-day-from-30-nov"),
    pytest.param("2024-11-29", "2025-02-28", "Fri", "2025-02-28", "Fri", id="common-year-29-nov"),
    pytest.param("2024-11-30", "2025-02-28", "Fri", "2025-02-28", "Fri", id="common-year-30-nov"),
    pytest.param("2023-12-02", "2024-03-02", "Sat", "2024-03-04", "Mon", id="leap-year-weekend"),
    pytest.param("2027-11-30", "2028-02-29", "Tue", "2028-02-29", "Tue", id="next-leap-day"),
]


@pytest.mark.parametrize(
    ("granted_on", "nominal_ends_on", "nominal_weekday", "ends_on", "end_weekday"), TERM_CASES
)
def test_the_term_ends_three_calendar_months_after_the_grant_on_the_next_working_day(
    granted_on, nominal_ends_on, nominal_weekday, ends_on, end_weekday
):
    assert weekday_of(nominal_ends_on) == nominal_weekday
    assert weekday_of(ends_on) == end_weekday

    term = journey_term(D(granted_on))

    assert term.granted_on == D(granted_on)
    assert term.nominal_ends_on == D(nominal_ends_on)
    assert term.ends_on == D(ends_on)


@pytest.mark.parametrize(
    ("granted_on", "starts_on"),
    [("2026-01-15", "2026-01-16"), ("2026-02-28", "2026-03-01"), ("2024-02-28", "2024-02-29")],
    ids=["mid-month", "into the next month", "onto a leap day"],
)
def test_the_term_starts_the_day_after_the_grant(granted_on, starts_on):
    assert term_starts_on(D(granted_on)) == D(starts_on)
    assert journey_term(D(granted_on)).starts_on == D(starts_on)


@pytest.mark.parametrize(
    ("on", "days_left", "status"),
    [
        ("2025-12-01", 91, "open"),
        ("2026-02-28", 2, "open"),
        ("2026-03-02", 0, "open"),
        ("2026-03-03", None, "expired"),
    ],
    ids=["the first day", "the nominal end", "the last day is inside the term", "the day after"],
)
def test_days_left_counts_down_to_zero_on_the_last_day_and_stops_after_it(on, days_left, status):
    term = journey_term(D("2025-11-30"))  # ends Monday 2026-03-02
    assert term.days_left(D(on)) == days_left
    assert term.status(D(on)) == status


@pytest.mark.parametrize(
    ("year", "holiday", "weekday", "name"),
    [
        (2026, "2026-01-01", "Thu", "New Year's Day"),
        (2026, "2026-04-03", "Fri", "Good Friday"),
        (2026, "2026-04-06", "Mon", "Easter Monday"),
        (2026, "2026-05-14", "Thu", "Ascension Day"),
        (2026, "2026-05-25", "Mon", "Whit Monday"),
        (2027, "2027-03-26", "Fri", "Good Friday"),
        (2027, "2027-03-29", "Mon", "Easter Monday"),
        (2027, "2027-05-06", "Thu", "Ascension Day"),
        (2027, "2027-05-17", "Mon", "Whit Monday"),
        (2026, "2026-04-27", "Mon", "King's Day"),
        (2014, "2014-04-26", "Sat", "King's Day"),
        (2025, "2025-04-26", "Sat", "King's Day"),
        (2031, "2031-04-26", "Sat", "King's Day"),
        (2013, "2013-04-30", "Tue", "Queen's Day"),
        (2006, "2006-04-29", "Sat", "Queen's Day"),
        (1978, "1978-05-01", "Mon", "Queen's Day"),
        (2026, "2026-05-05", "Tue", "Liberation Day (5 May)"),
        (2026, "2026-12-25", "Fri", "Christmas Day"),
        (2026, "2026-12-26", "Sat", "Boxing Day"),
    ],
    ids=[
        "new year's day",
        "good friday is easter minus 2",
        "easter monday is easter plus 1",
        "ascension day is easter plus 39",
        "whit monday is easter plus 50",
        "good friday 2027",
        "easter monday 2027",
        "ascension day 2027",
        "whit monday 2027",
        "king's day on the 27th",
        "the first king's day moved to the 26th as the 27th was a sunday",
        "king's day 2025 on the 26th as the 27th is a sunday",
        "king's day 2031 on the 26th as the 27th is a sunday",
        "the last queen's day",
        "queen's day since 1980 moved to the saturday before a sunday 30 april",
        "queen's day before 1980 moved to monday 1 may",
        "5 may",
        "christmas day",
        "boxing day",
    ],
)
def test_the_generally_recognised_holidays_of_a_year(year, holiday, weekday, name):
    assert weekday_of(holiday) == weekday
    assert ATW_CALENDAR.holidays_in(year)[D(holiday)] == name
    assert ATW_CALENDAR.is_holiday(D(holiday))
    assert ATW_CALENDAR.is_non_working_day(D(holiday))


@pytest.mark.parametrize(
    ("day", "weekday"),
    [
        ("2025-04-27", "Sun"),
        ("2031-04-27", "Sun"),
        ("2014-04-30", "Wed"),
        ("2006-04-30", "Sun"),
        ("1978-04-29", "Sat"),
        ("2026-04-05", "Sun"),
        ("2026-05-24", "Sun"),
    ],
    ids=[
        "not the sunday 27 april 2025",
        "not the sunday 27 april 2031",
        "queen's day ended in 2013",
        "not the sunday 30 april 2006",
        "before 1980 queen's day did not move back to the saturday",
        "easter sunday is not on the list (it is a sunday anyway)",
        "whit sunday is not on the list (it is a sunday anyway)",
    ],
)
def test_days_that_are_not_generally_recognised_holidays(day, weekday):
    assert weekday_of(day) == weekday
    assert not ATW_CALENDAR.is_holiday(D(day))


def test_the_national_day_rule_is_data_with_one_entry_per_period():
    assert [(n.name, n.first_year, n.last_year) for n in NATIONAL_DAYS] == [
        ("Queen's Day", 1949, 1979),
        ("Queen's Day", 1980, 2013),
        ("King's Day", 2014, 9999),
    ]


@pytest.mark.parametrize(
    ("day", "expected", "non_working"),
    [
        ("2026-04-15", "2026-04-15", False),
        ("2026-02-28", "2026-03-02", True),
        ("2026-04-03", "2026-04-07", True),
        ("2026-12-24", "2026-12-24", False),
    ],
    ids=[
        "a working day is its own next working day",
        "a weekend rolls to monday",
        "good friday, the weekend and easter monday roll to tuesday",
        "christmas eve is a working day",
    ],
)
def test_the_next_working_day_on_or_after_a_day(day, expected, non_working):
    assert ATW_CALENDAR.is_non_working_day(D(day)) is non_working
    assert ATW_CALENDAR.next_working_day_on_or_after(D(day)) == D(expected)


DECREES_OF_DOMAIN_MD = {
    "Besluit gelijkstelling 2026-2028": (
        "2026-01-02",
        "2026-05-15",
        "2027-05-07",
        "2028-04-28",
        "2028-05-26",
    ),
    "Besluit gelijkstelling 2023-2025": (
        "2023-04-28",
        "2023-05-19",
        "2024-05-10",
        "2024-12-27",
        "2025-05-30",
    ),
    "Besluit van 31 oktober 2016 (Staatscourant 2016, 58653)": (
        "2017-04-28",
        "2017-05-26",
        "2018-05-11",
        "2018-12-24",
        "2018-12-31",
        "2019-05-31",
        "2019-12-27",
    ),
}


@pytest.mark.parametrize(
    ("decree", "day"),
    [(decree, day) for decree, days in DECREES_OF_DOMAIN_MD.items() for day in days],
)
def test_every_decreed_day_of_domain_md_is_a_holiday_named_after_its_decree(decree, day):
    assert ATW_CALENDAR.is_holiday(D(day))
    assert decree in ATW_CALENDAR.holidays_in(D(day).year)[D(day)]
    assert not AtwCalendar().is_holiday(D(day))


def test_the_data_holds_exactly_the_decrees_of_domain_md_and_the_years_they_cover():
    decrees = {d.name: d for d in load_decrees()}
    assert {name: tuple(day.isoformat() for day, _ in d.days) for name, d in decrees.items()} == (
        DECREES_OF_DOMAIN_MD
    )
    covered = {year for year in range(1990, 2040) if ATW_CALENDAR.has_decree_for(year)}
    assert covered == {2017, 2018, 2019, 2023, 2024, 2025, 2026, 2027, 2028}
    assert frozenset(D(day) for days in DECREES_OF_DOMAIN_MD.values() for day in days) == (
        ATW_CALENDAR.decreed_days
    )


def test_an_application_on_1_may_2028_after_a_grant_on_27_january_is_timely():
    # 27 April 2028 is King's Day (a Thursday), the 28th is decreed, then a weekend.
    term = journey_term(D("2028-01-27"))
    assert term.nominal_ends_on == D("2028-04-27")
    assert term.ends_on == D("2028-05-01")
    assert journey_term(D("2028-01-27"), AtwCalendar()).ends_on == D("2028-04-28")


def test_without_the_decreed_days_the_friday_after_new_years_day_is_a_working_day():
    bare = AtwCalendar()
    assert not bare.is_holiday(D("2026-01-02"))
    assert journey_term(D("2025-10-02"), bare).ends_on == D("2026-01-02")


def test_a_calendar_built_with_an_extra_decreed_day_treats_it_as_a_holiday():
    newly_decreed = D("2026-06-01")
    assert weekday_of("2026-06-01") == "Mon"
    extended = AtwCalendar(ATW_CALENDAR.decreed_days | {newly_decreed})

    assert extended.is_holiday(newly_decreed)
    assert extended.with_decreed_days([]) == extended
    assert ATW_CALENDAR.with_decreed_days([newly_decreed]).is_holiday(newly_decreed)
    assert not ATW_CALENDAR.is_holiday(newly_decreed)
    assert journey_term(D("2026-03-01"), extended).ends_on == D("2026-06-02")
    assert journey_term(D("2026-03-01")).ends_on == newly_decreed


def test_a_day_added_by_a_later_decree_is_named_as_declared_equal_to_a_holiday():
    # DOMAIN.md: decreed days are data "each with its decree"; a day added after the packaged
    # data has no decree text, so the calendar and the deadline name it by the law instead.
    newly_decreed = D("2026-06-01")
    assert weekday_of("2026-06-01") == "Mon"
    extended = ATW_CALENDAR.with_decreed_days([newly_decreed])
    by_decree = "a day declared equal to a holiday by decree (Atw art. 3 lid 3)"

    assert extended.holidays_in(2026)[newly_decreed] == by_decree
    term = journey_term(D("2026-03-01"), extended)
    assert f"non-working day ({by_decree})" in explain_term(term, D("2026-03-01"), extended)


def test_a_calendar_with_a_later_decreed_day_keeps_the_packaged_decrees_and_the_years_they_cover():
    extended = ATW_CALENDAR.with_decreed_days([D("2029-05-11")])

    assert "Besluit gelijkstelling 2026-2028" in extended.holidays_in(2026)[D("2026-01-02")]
    covered = {year for year in range(1990, 2040) if extended.has_decree_for(year)}
    assert covered == {2017, 2018, 2019, 2023, 2024, 2025, 2026, 2027, 2028}


def test_a_calendar_built_from_a_new_decree_names_its_days_and_covers_its_years():
    # 31 May 2030 is the Friday after Ascension Day (Easter 2030 is 21 April).
    friday = D("2030-05-31")
    assert weekday_of("2030-05-31") == "Fri"
    calendar = AtwCalendar.from_decrees({friday: "the Friday after Ascension, Besluit X"}, [2030])

    assert calendar.holidays_in(2030)[friday] == "the Friday after Ascension, Besluit X"
    assert calendar.next_working_day_on_or_after(D("2030-05-30")) == D("2030-06-03")
    assert calendar.has_decree_for(2030)
    assert not calendar.has_decree_for(2031)


def test_the_calendar_built_from_the_packaged_data_is_the_one_the_service_uses():
    assert AtwCalendar.from_packaged_data() == ATW_CALENDAR


def test_a_calendar_takes_its_decreed_days_and_years_from_any_collection_and_keeps_its_own_copy():
    days, years = [D("2030-05-31")], [2030]
    calendar = AtwCalendar(days, (), years)
    days.append(D("2030-06-03"))
    years.append(2031)

    assert calendar.is_holiday(D("2030-05-31"))
    assert not calendar.is_holiday(D("2030-06-03"))
    assert calendar.has_decree_for(2030)
    assert not calendar.has_decree_for(2031)
    assert calendar == AtwCalendar(frozenset({D("2030-05-31")}), (), frozenset({2030}))
    assert AtwCalendar({D("2030-05-31"): "a decree"}).is_holiday(D("2030-05-31"))


def test_holidays_in_returns_a_copy_the_caller_cannot_corrupt():
    ATW_CALENDAR.holidays_in(2026).clear()
    assert ATW_CALENDAR.is_holiday(D("2026-01-01"))


@pytest.mark.parametrize(
    ("submitted_on", "extended", "due_on", "due_weekday"),
    [
        ("2026-01-15", False, "2026-04-15", "Wed"),
        ("2026-01-15", True, "2026-07-15", "Wed"),
        ("2025-11-14", False, "2026-02-16", "Mon"),
        ("2025-11-30", False, "2026-03-02", "Mon"),
        ("2025-11-30", True, "2026-06-01", "Mon"),
        ("2026-01-03", False, "2026-04-07", "Tue"),
        ("2025-11-14", True, "2026-05-18", "Mon"),
        ("2025-08-31", True, "2026-03-02", "Mon"),
    ],
    ids=[
        "3 months",
        "6 months once extended",
        "3 months to saturday 14 february, rolled to monday",
        "3 months clamped to saturday 28 february, rolled to monday",
        "6 months to saturday 30 may, rolled to monday",
        "3 months to good friday, rolled past easter monday",
        "6 months to ascension day, rolled past the decreed friday",
        "6 months clamped to saturday 28 february, rolled to monday",
    ],
)
def test_the_decision_is_due_three_months_after_the_application_or_six_once_extended(
    submitted_on, extended, due_on, due_weekday
):
    assert weekday_of(due_on) == due_weekday
    assert decision_due_on(D(submitted_on), extended) == D(due_on)


@pytest.mark.parametrize(
    ("valid_from", "valid_until"),
    [
        ("2026-04-01", "2031-04-01"),
        ("2024-02-29", "2029-02-28"),
        ("2028-02-29", "2033-02-28"),
        ("2027-02-28", "2032-02-28"),
    ],
    ids=[
        "the same day five years later",
        "29 february 2024 to 28 february 2029",
        "29 february 2028 to 28 february 2033",
        "28 february stays 28 february even into a leap year",
    ],
)
def test_the_permit_is_valid_five_years_and_permanent_residence_can_be_applied_for_then(
    valid_from, valid_until
):
    assert permit_valid_until(D(valid_from)) == D(valid_until)
    assert permanent_residence_possible_from(D(valid_from)) == D(valid_until)


def test_a_permit_knows_its_own_validity_and_when_permanent_residence_can_be_applied_for():
    permit = Permit(issued_on=D("2024-03-04"), valid_from=D("2024-02-29"))
    assert permit.valid_until == D("2029-02-28")
    assert permit.permanent_residence_from == D("2029-02-28")


@pytest.mark.parametrize(
    ("decided_on", "issued_on", "within_target"),
    [
        ("2026-04-01", "2026-04-01", True),
        ("2026-04-01", "2026-04-05", True),
        ("2026-04-01", "2026-04-06", False),
        ("2026-02-26", "2026-03-02", True),
        ("2026-02-26", "2026-03-03", False),
    ],
    ids=[
        "issued the same day",
        "issued after 4 days",
        "issued after 5 days",
        "4 days across a month end",
        "5 days across a month end",
    ],
)
def test_the_permit_is_ready_within_the_four_day_target(decided_on, issued_on, within_target):
    assert permit_ready_within_target(D(decided_on), D(issued_on)) is within_target


def test_the_derivation_fingerprint_changes_with_a_decreed_day_and_with_the_policy_versions():
    from dataclasses import replace

    from domain.policy import NAREIS_VW2000, derivation_fingerprint

    base = derivation_fingerprint()
    assert base == derivation_fingerprint(AtwCalendar.from_packaged_data())
    assert derivation_fingerprint(ATW_CALENDAR.with_decreed_days([D("2029-05-11")])) != base
    later = replace(NAREIS_VW2000, id="nareis-two-status", in_force_from=D("2027-01-01"))
    assert derivation_fingerprint(versions=(NAREIS_VW2000, later)) != base


# The digest of the packaged calendar data, term lengths and policy versions. A change of that data
# (a decree, a decreed year, a holiday, a term length, a policy version) must change this value, and
# a read model derived under the old value then derives its dates and answers again: change this
# literal only together with such a change of data.
PACKAGED_DERIVATION_FINGERPRINT = "9d281fea43c86f26058a28033504449f390f9c489f4a06b7fefe426b9a0ddcb7"


def test_the_derivation_fingerprint_of_the_packaged_calendar_and_policy_data_is_pinned():
    from domain.policy import derivation_fingerprint

    assert derivation_fingerprint() == PACKAGED_DERIVATION_FINGERPRINT


@pytest.mark.parametrize(
    "years",
    [
        ATW_CALENDAR.decreed_years | {2029},
        ATW_CALENDAR.decreed_years - {2017},
    ],
    ids=["a year more", "a year less"],
)
def test_the_derivation_fingerprint_changes_when_the_decreed_years_change(years):
    from domain.policy import derivation_fingerprint

    calendar = AtwCalendar(ATW_CALENDAR.decreed_days, ATW_CALENDAR.decree_descriptions, years)

    assert derivation_fingerprint(calendar) != PACKAGED_DERIVATION_FINGERPRINT


@pytest.mark.parametrize(
    ("table", "changed"),
    [
        ("FIXED_HOLIDAYS", ((1, 1, "New Year's Day"), (12, 25, "Christmas Day"))),
        ("EASTER_HOLIDAYS", ((-2, "Good Friday"), (1, "Easter Monday"), (39, "Ascension Day"))),
        (
            "NATIONAL_DAYS",
            (
                NATIONAL_DAYS[0],
                NATIONAL_DAYS[1],
                NationalDay("King's Day", 2014, 9999, 4, 27, +1),
            ),
        ),
    ],
    ids=["a fixed holiday less", "an easter holiday less", "king's day moving the other way"],
)
def test_the_derivation_fingerprint_changes_when_a_holiday_table_changes(
    monkeypatch, table, changed
):
    from domain import calendar
    from domain.policy import derivation_fingerprint

    monkeypatch.setattr(calendar, table, changed)

    assert derivation_fingerprint() != PACKAGED_DERIVATION_FINGERPRINT


def test_the_derivation_fingerprint_changes_when_a_term_length_changes(monkeypatch):
    from domain import policy

    monkeypatch.setattr(policy, "JOURNEY_TERM_MONTHS", 4)

    assert policy.derivation_fingerprint() != PACKAGED_DERIVATION_FINGERPRINT


def test_a_statutory_holiday_keeps_its_own_name_when_a_decree_repeats_it():
    repeated = AtwCalendar.from_decrees({D("2026-12-25"): "Christmas, once more by decree"}, [2026])

    assert repeated.holidays_in(2026)[D("2026-12-25")] == "Christmas Day"
    assert repeated.is_holiday(D("2026-12-25"))


def test_a_calendar_given_a_later_decree_knows_the_years_it_covers():
    later = ATW_CALENDAR.with_decreed_days([D("2029-05-11")], years=[2029, 2030, 2031])
    assert later.is_holiday(D("2029-05-11"))
    assert [later.has_decree_for(y) for y in (2028, 2029, 2031, 2032)] == [True, True, True, False]
    assert not ATW_CALENDAR.has_decree_for(2029)
    assert not ATW_CALENDAR.with_decreed_days([D("2029-05-11")]).has_decree_for(2029)
