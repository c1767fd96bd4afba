"""What the application needs from the outside, as small protocols the infrastructure implements."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol, runtime_checkable
from uuid import UUID
from zoneinfo import ZoneInfo

from eventsourcing.domain import Aggregate

from domain.permit_index import Holding

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


class Clock(Protocol):
    def today(self) -> date:
        """Today's date where the service decides (DOMAIN.md: Europe/Amsterdam)."""
        ...


class AmsterdamClock:
    def today(self) -> date:
        return datetime.now(AMSTERDAM).date()


class PermitIndex(Protocol):
    """Who holds a dependent permit as a family member, across all cases, known now: kept by the
    commands themselves, so it never lags them (`application/permit_index.py`)."""

    def holds_dependent_permit(self, v_number: str, on: date) -> bool:
        """Whether `v_number` holds a permit issued on or before `on`."""
        ...

    def updates(self, before: frozenset[Holding], after: frozenset[Holding]) -> Sequence[Aggregate]:
        """The index aggregates, with events pending, to save with a case whose holdings went
        from `before` to `after`."""
        ...

    def grant_reading(self, v_number: str) -> GrantReading:
        """One V-number's index as a decision reads it, to note the grant on (see GrantReading)."""
        ...


class GrantReading(Protocol):
    """The index of a sponsor's V-number as one decision read it. A grant saves `noted(...)` with
    its events, so a permit recorded under the V-number after the read makes that save fail and
    the decision is checked again on what the index holds then."""

    def holds_dependent_permit(self, v_number: str, on: date) -> bool: ...

    def noted(self, case_id: str, member_id: str, decided_on: date) -> Sequence[Aggregate]: ...


class DependentPermitRegister(Protocol):
    """Who holds a dependent permit as a family member, across all cases, as known at any instant
    (a projection: it may lag the commands)."""

    def holds_dependent_permit(
        self, v_number: str, on: date, known_at: datetime | None = None
    ) -> bool:
        """Whether `v_number` holds a permit issued on or before `on`, as known at `known_at`."""
        ...


@dataclass(frozen=True)
class IdempotencyRecord:
    """The first answer to a command sent with an idempotency key, kept to answer re-sends."""

    key: str
    fingerprint: str
    answer: dict[str, Any]


@runtime_checkable
class IdempotencyStore(Protocol):
    """Remembers idempotency records durably. `save(..., idempotency=record)` on the application's
    recorder stores the record in the same transaction as the events; `remember` stores a record of a
    command that recorded no event."""

    def find_idempotency_record(self, key: str) -> IdempotencyRecord | None: ...

    def remember_idempotency_record(self, record: IdempotencyRecord) -> None: ...


class PersonalDataSeal(Protocol):
    """Each case's personal data kept under a key of the case's own, so that destroying the key
    erases it (`infrastructure/personal_data.py`). `save(..., erase_personal_data_of=CASE_ID)`
    on the application's recorder destroys the case's key in the transaction that records the
    erasure."""

    def unsealed_versions(self, case_id: UUID) -> list[int]:
        """The versions of the case's events that hold personal data not under the case's key
        (recorded before keys per case existed): destroying the key cannot erase those."""
        ...

    def make_keys(self, case_ids: Sequence[UUID]) -> None:
        """Make the keys of new cases in one go (the store makes a case's key with its first
        personal data otherwise: one transaction per case, for cases saved in bulk)."""
        ...

    def read_keys(self, case_ids: Sequence[UUID]) -> None:
        """Read the keys of these cases in one go, before their events are decoded (a projection
        batch holds the events of many cases)."""
        ...

    def after_erasure(self) -> None:
        """Once an erasure has committed: clear what the store keeps of the destroyed key beside
        its tables."""
        ...
