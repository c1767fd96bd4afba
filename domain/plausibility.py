"""Plausible dates (DOMAIN.md "Settled questions"): what a person may enter as a date at all.

A birth date is on or after 1900-01-01 and every other date on or after 2001-04-01, the day the
Vreemdelingenwet 2000 (and with it the first rule set of `domain.policy`) entered into force; a
sponsor signs the asylum application in the Netherlands, so on or after arriving. These checks need
nothing recorded: the API runs them on the input (bad input, 422). Checks against what a case
records (a date in the future, before a birth, before the fact it depends on) are the aggregate's.
"""

from __future__ import annotations

from datetime import date

from domain.errors import ArrivalAfterAsylumApplication, ImplausibleDate
from domain.policy import NAREIS_VW2000

EARLIEST_BIRTH_DATE = date(1900, 1, 1)
EARLIEST_DATE = NAREIS_VW2000.in_force_from  # 2001-04-01


def check_plausible_birth_date(day: date, field: str = "born_on") -> None:
    _check_not_before(EARLIEST_BIRTH_DATE, day, field, "; a birth date is on or after it")


def check_plausible_date(day: date, field: str = "date") -> None:
    why = ", when the Vreemdelingenwet 2000 entered into force; a date is on or after it"
    _check_not_before(EARLIEST_DATE, day, field, why)


def _check_not_before(earliest: date, day: date, field: str, why: str) -> None:
    if day < earliest:
        raise ImplausibleDate(field, f"{day.isoformat()} is before {earliest.isoformat()}{why}")


def check_arrived_by_asylum_application(
    arrived_on: date, asylum_application_signed_on: date, field: str = "arrived_on"
) -> None:
    if arrived_on > asylum_application_signed_on:
        raise ArrivalAfterAsylumApplication(
            field,
            f"{arrived_on.isoformat()} is after the asylum application was signed "
            f"({asylum_application_signed_on.isoformat()}); the sponsor signs it after arriving",
        )
