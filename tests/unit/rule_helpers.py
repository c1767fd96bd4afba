"""Dates and members the rule tests share (`test_rules.py`, `test_rule_reasons.py`)."""

from __future__ import annotations

from datetime import date

from domain.vocabulary import Outcome
from tests.unit.builders import member

MET, NOT_MET = Outcome.MET, Outcome.NOT_MET
UNKNOWN, NOT_APPLICABLE = Outcome.UNKNOWN, Outcome.NOT_APPLICABLE

D = date(2026, 3, 10)  # inside the default term (2026-01-16 .. 2026-04-15)
AFTER_TERM = date(2026, 4, 16)
BIRTHDAY = date(2026, 3, 1)  # the day a member born on 1 March turns a round age in 2026
DAY_BEFORE_BIRTHDAY = date(2026, 2, 28)
LATE_GRANT = date(2025, 11, 30)  # nominal end Saturday 2026-02-28, term ends Monday 2026-03-02


def partner(**overrides: object):
    return member("m", "partner", **overrides)


def child(**overrides: object):
    return member("m", "child", **overrides)


def parent(**overrides: object):
    return member("m", "parent", **overrides)


def born_years_before_birthday(years: int) -> date:
    """Born on 1 March, `years` years before BIRTHDAY: exactly that age on BIRTHDAY."""
    return date(BIRTHDAY.year - years, 3, 1)


def partner_p(**overrides: object):
    return member("p", "partner", **overrides)


def child_of_partner(**overrides: object):
    return child(child_of="partner", partner_member_id="p", **overrides)
