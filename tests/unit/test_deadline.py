"""The deadline view of a case on a date (DOMAIN.md, "The term (deadline)")."""

from __future__ import annotations

from datetime import date

import pytest

from domain.deadline import CaseDeadline, MemberDeadline, case_deadline
from domain.facts import CaseFacts, MemberFacts
from domain.vocabulary import ApplicationTimeliness, DeadlineStatus
from tests.unit.builders import (
    GRANTED_ON,
    TERM_ENDS_ON,
    application,
    case,
    decision,
    extension,
    member,
    withdrawal,
)

AWAITING, OPEN, EXPIRED = (
    DeadlineStatus.AWAITING_GRANT,
    DeadlineStatus.OPEN,
    DeadlineStatus.EXPIRED,
)
TIMELY, LATE, NONE = (
    ApplicationTimeliness.TIMELY,
    ApplicationTimeliness.LATE,
    ApplicationTimeliness.NONE,
)

D = date(2026, 3, 10)
SUBMITTED_ON = date(2026, 2, 10)
DUE_ON = date(2026, 5, 11)  # 3 months: Sunday 2026-05-10 moves to Monday
EXTENDED_DUE_ON = date(2026, 8, 10)  # 6 months: Monday 2026-08-10


def partner(**overrides: object) -> MemberFacts:
    return member("m", "partner", **overrides)


def member_deadline(facts: CaseFacts, on: date) -> MemberDeadline:
    return next(m for m in case_deadline(facts, on).members if m.member_id == "m")


# --- the case's status ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("grant_on", "on", "status", "days_left"),
    [
        pytest.param(None, D, AWAITING, None, id="no-grant"),
        pytest.param(date(2026, 3, 11), D, AWAITING, None, id="grant-dated-after-D"),
        pytest.param(GRANTED_ON, GRANTED_ON, OPEN, 90, id="on-the-grant-day"),
        pytest.param(GRANTED_ON, D, OPEN, 36, id="inside-the-term"),
        pytest.param(GRANTED_ON, TERM_ENDS_ON, OPEN, 0, id="on-the-last-day"),
        pytest.param(GRANTED_ON, date(2026, 4, 16), EXPIRED, None, id="the-day-after"),
        pytest.param(date(2025, 11, 30), date(2026, 2, 28), OPEN, 2, id="nominal-end-saturday"),
        pytest.param(date(2025, 11, 30), date(2026, 3, 2), OPEN, 0, id="moved-end-monday"),
        pytest.param(date(2025, 11, 30), date(2026, 3, 3), EXPIRED, None, id="after-moved-end"),
    ],
)
def test_a_case_awaits_its_grant_then_is_open_until_the_terms_last_day_then_expired(
    grant_on: date | None, on: date, status: DeadlineStatus, days_left: int | None
) -> None:
    deadline = case_deadline(case(partner(), grant_on=grant_on), on)
    assert deadline.status == status
    assert deadline.days_left == days_left


def test_an_open_case_shows_the_terms_dates() -> None:
    deadline: CaseDeadline = case_deadline(case(partner(), grant_on=date(2025, 11, 30)), D)
    assert deadline.term is not None
    assert deadline.term.granted_on == date(2025, 11, 30)
    assert deadline.term.starts_on == date(2025, 12, 1)
    assert deadline.term.nominal_ends_on == date(2026, 2, 28)
    assert deadline.term.ends_on == date(2026, 3, 2)


def test_a_case_awaiting_its_grant_has_no_term() -> None:
    assert case_deadline(case(partner(), grant_on=date(2026, 3, 11)), D).term is None


# --- each member's application -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("facts", "on", "expected"),
    [
        pytest.param(case(partner()), D, NONE, id="not-submitted"),
        pytest.param(
            case(partner(application=application(date(2026, 3, 11)))),
            D,
            NONE,
            id="submitted-after-D",
        ),
        pytest.param(
            case(partner(application=application(TERM_ENDS_ON))),
            date(2026, 5, 1),
            TIMELY,
            id="on-the-terms-last-day",
        ),
        pytest.param(
            case(partner(application=application(date(2026, 4, 16)))),
            date(2026, 5, 1),
            LATE,
            id="the-day-after-the-term",
        ),
        pytest.param(
            case(partner(application=application(date(2026, 3, 2))), grant_on=date(2025, 11, 30)),
            D,
            TIMELY,
            id="on-the-monday-the-weekend-end-moved-to",
        ),
        pytest.param(
            case(partner(application=application(date(2026, 1, 10))), grant_on=None),
            D,
            TIMELY,
            id="before-any-grant",
        ),
        pytest.param(
            case(partner(application=application(SUBMITTED_ON, "mvv_abroad"))),
            D,
            TIMELY,
            id="mvv-abroad-counts-like-any-other",
        ),
    ],
)
def test_a_members_application_is_timely_late_or_none(
    facts: CaseFacts, on: date, expected: ApplicationTimeliness
) -> None:
    assert member_deadline(facts, on).application == expected


def test_every_member_of_the_case_has_a_deadline_line() -> None:
    facts = case(
        partner(application=application(SUBMITTED_ON)), member("c", "child"), member("p", "parent")
    )
    deadline = case_deadline(facts, D)
    assert [m.member_id for m in deadline.members] == ["m", "c", "p"]
    assert deadline.members[0].submitted_on == SUBMITTED_ON
    assert deadline.members[1].submitted_on is None


# --- the service's decision term -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("facts", "on", "due_on"),
    [
        pytest.param(case(partner()), D, None, id="no-application"),
        pytest.param(
            case(partner(application=application(SUBMITTED_ON))), D, DUE_ON, id="3-months"
        ),
        pytest.param(
            case(partner(application=application(SUBMITTED_ON), extension=extension(D))),
            D,
            EXTENDED_DUE_ON,
            id="6-months-once-extended",
        ),
        pytest.param(
            case(partner(application=application(SUBMITTED_ON), extension=extension(D))),
            date(2026, 3, 9),
            DUE_ON,
            id="extension-dated-after-D-not-yet",
        ),
        pytest.param(
            case(partner(application=application(date(2026, 2, 1)))),
            D,
            date(2026, 5, 1),
            id="3-months-on-a-working-day",
        ),
        pytest.param(
            case(partner(application=application(date(2026, 2, 1)), extension=extension(D))),
            D,
            date(2026, 8, 3),
            id="6-months-saturday-moves-to-monday",
        ),
    ],
)
def test_a_decision_is_due_3_months_after_the_application_or_6_once_extended(
    facts: CaseFacts, on: date, due_on: date | None
) -> None:
    assert member_deadline(facts, on).decision_due_on == due_on


PENDING = partner(application=application(SUBMITTED_ON))


@pytest.mark.parametrize(
    ("facts", "on", "overdue"),
    [
        pytest.param(case(partner()), date(2026, 12, 1), False, id="no-application"),
        pytest.param(case(PENDING), DUE_ON, False, id="pending-on-the-due-day"),
        pytest.param(case(PENDING), date(2026, 5, 12), True, id="pending-the-day-after"),
        pytest.param(
            case(
                partner(
                    application=application(SUBMITTED_ON),
                    decision=decision("granted", date(2026, 5, 1)),
                )
            ),
            date(2026, 5, 12),
            False,
            id="granted",
        ),
        pytest.param(
            case(
                partner(
                    application=application(SUBMITTED_ON),
                    decision=decision("refused", date(2026, 5, 20)),
                )
            ),
            date(2026, 5, 21),
            False,
            id="refused-late",
        ),
        pytest.param(
            case(
                partner(
                    application=application(SUBMITTED_ON),
                    decision=decision("refused", date(2026, 5, 20)),
                )
            ),
            date(2026, 5, 19),
            True,
            id="decision-dated-after-D-still-pending",
        ),
        pytest.param(
            case(
                partner(
                    application=application(SUBMITTED_ON), withdrawal=withdrawal(date(2026, 4, 1))
                )
            ),
            date(2026, 5, 12),
            False,
            id="withdrawn",
        ),
        pytest.param(
            case(
                partner(
                    application=application(SUBMITTED_ON), extension=extension(date(2026, 5, 1))
                )
            ),
            date(2026, 5, 12),
            False,
            id="extended-not-yet-due",
        ),
        pytest.param(
            case(
                partner(
                    application=application(SUBMITTED_ON), extension=extension(date(2026, 5, 1))
                )
            ),
            date(2026, 8, 11),
            True,
            id="extended-and-past-the-6-months",
        ),
    ],
)
def test_an_application_is_overdue_only_when_pending_and_past_its_due_date(
    facts: CaseFacts, on: date, overdue: bool
) -> None:
    assert member_deadline(facts, on).overdue is overdue


@pytest.mark.parametrize(
    ("granted_on", "expected"),
    [
        (
            date(2025, 11, 30),
            "Granted 2025-11-30: the term runs from 2025-12-01 to 3 calendar months after the "
            "grant, Saturday 2026-02-28, which is a non-working day (Saturday); under the "
            "Algemene termijnenwet it ends on the next working day, Monday 2026-03-02.",
        ),
        (
            date(2026, 1, 3),
            "Granted 2026-01-03: the term runs from 2026-01-04 to 3 calendar months after the "
            "grant, Friday 2026-04-03, which is a non-working day (Good Friday); under the "
            "Algemene termijnenwet it ends on the next working day, Tuesday 2026-04-07.",
        ),
        (
            date(2026, 1, 15),
            "Granted 2026-01-15: the term runs from 2026-01-16 to 3 calendar months after the "
            "grant, Wednesday 2026-04-15.",
        ),
    ],
    ids=["weekend roll-over", "holiday roll-over", "no roll-over"],
)
def test_the_deadline_explains_the_term_and_any_roll_over(granted_on, expected) -> None:
    explanation = case_deadline(case(partner(), grant_on=granted_on), date(2026, 6, 1)).explanation
    assert explanation == expected


def test_the_deadline_names_the_decree_of_a_decreed_day_it_rolls_past() -> None:
    explanation = case_deadline(
        case(partner(), grant_on=date(2028, 1, 27)), date(2028, 2, 1)
    ).explanation
    assert "Thursday 2028-04-27, which is a non-working day (King's Day)" in explanation
    assert "Monday 2028-05-01" in explanation


@pytest.mark.parametrize(
    ("granted_on", "uncovered"),
    [(date(2029, 3, 1), "2029"), (date(2021, 10, 15), "2022"), (date(2016, 2, 1), "2016")],
)
def test_the_deadline_says_when_a_year_of_its_dates_has_no_decree_in_the_data(
    granted_on, uncovered
) -> None:
    explanation = case_deadline(case(partner(), grant_on=granted_on), granted_on).explanation
    assert explanation.endswith(
        f"No decree under Atw art. 3 lid 3 is in the data for {uncovered}: a day decreed equal "
        "to a holiday there is not counted, so this answer may miss one."
    )


def test_the_deadline_says_nothing_of_decrees_when_every_year_has_one() -> None:
    explanation = case_deadline(case(partner(), grant_on=date(2026, 1, 15)), D).explanation
    assert "decree" not in explanation


def test_the_deadline_explains_that_no_grant_is_recorded_yet() -> None:
    explanation = case_deadline(case(partner(), grant_on=None), date(2026, 6, 1)).explanation
    assert "No grant" in explanation and "2026-06-01" in explanation
