"""Erasure of a case's personal data (AVG/GDPR), when its retention period has ended.

A case's personal data is what identifies or describes the people in it: the sponsor's and each
member's name, V-number and birth date, and the free text a caseworker typed about them (an
assessment's note, a withdrawal's or an extension's reason, a correction's reason). Everything
else stays: the dates of the procedure, outcomes, kinds, relationships, versions and actors, so
the history still shows what happened and when, and the reports still count the case.

Each case's personal fields are stored under a key of the case's own; erasing the case destroys
the key and records `CaseErased` (who, when, why; no personal data). From then on the fields read
as `ERASED`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any, TypeVar

# The names of the personal fields, in every event of a case and in the values its state holds.
PERSONAL_FIELDS = frozenset({"name", "v_number", "born_on", "note", "reason", "correction_reason"})


class Erased:
    """The value of a personal field after its case was erased: the value is gone for good."""

    _the_one: Erased | None = None

    def __new__(cls) -> Erased:
        if cls._the_one is None:
            cls._the_one = super().__new__(cls)
        return cls._the_one

    def __repr__(self) -> str:
        return "ERASED"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Erased)

    def __hash__(self) -> int:
        return hash(Erased)


ERASED = Erased()


def is_erased(value: object) -> bool:
    return isinstance(value, Erased)


@dataclass(frozen=True)
class Erasure:
    """Who erased a case's personal data, when and why (the reason names a ground such as the end
    of a retention period, never a person)."""

    erased_at: datetime
    erased_by: str
    erasure_reason: str


V = TypeVar("V")


def without_personal_data(value: V) -> V:
    """A value object with its personal fields (those that hold something) `ERASED`."""
    personal = {
        f.name: ERASED
        for f in fields(value)  # type: ignore[arg-type]
        if f.name in PERSONAL_FIELDS and getattr(value, f.name) is not None
    }
    return replace(value, **personal) if personal else value  # type: ignore[type-var]


def erased_fields(data: dict[str, Any]) -> dict[str, Any]:
    """An event's fields with the personal ones that hold something `ERASED`."""
    return {
        name: ERASED if name in PERSONAL_FIELDS and value is not None else value
        for name, value in data.items()
    }
