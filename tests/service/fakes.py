"""Fakes for the service-layer tests: the application on the library's in-memory (POPO) store,
a fixed clock, a dependent-permit index that answers from a table, and a rival writer."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from eventsourcing.persistence import ApplicationRecorder, IntegrityError, StoredEvent
from eventsourcing.popo import POPOApplicationRecorder

from application.commands import Command
from application.ports import IdempotencyRecord, PermitIndex
from application.service import CommandContext, NareisApplication
from domain.facts import MemberDetails, Sponsor
from domain.permit_index import Holding

D = date.fromisoformat
TODAY = D("2026-11-28")


@dataclass
class FixedClock:
    day: date = TODAY

    def today(self) -> date:
        return self.day


@dataclass
class FakePermitIndex:
    """Answers from `holders` (V-number -> the day its permit was issued); remembers the changes
    of holdings it was told about and saves nothing."""

    holders: dict[str, date] = field(default_factory=dict)
    changes: list[tuple[frozenset[Holding], frozenset[Holding]]] = field(default_factory=list)

    def holds_dependent_permit(self, v_number: str, on: date) -> bool:
        issued_on = self.holders.get(v_number)
        return issued_on is not None and issued_on <= on

    def updates(self, before: frozenset[Holding], after: frozenset[Holding]) -> list[Any]:
        if before != after:
            self.changes.append((before, after))
        return []

    def grant_reading(self, v_number: str) -> FakePermitIndex:
        return self

    def noted(self, case_id: str, member_id: str, decided_on: date) -> list[Any]:
        return []


class IdempotentPOPORecorder(POPOApplicationRecorder):
    """The in-memory recorder, keeping idempotency records with the events they answer for, under
    the same lock (as the SQLite recorder keeps them in the same transaction)."""

    def __init__(self) -> None:
        super().__init__()
        self._answers: dict[str, IdempotencyRecord] = {}

    def _assert_uniqueness(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> None:
        super()._assert_uniqueness(stored_events, **kwargs)
        record: IdempotencyRecord | None = kwargs.get("idempotency")
        if record is not None and record.key in self._answers:
            raise IntegrityError(f"idempotency key {record.key!r} already recorded")

    def _update_table(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Any:
        notification_ids = super()._update_table(stored_events, **kwargs)
        record: IdempotencyRecord | None = kwargs.get("idempotency")
        if record is not None:
            self._answers[record.key] = record
        return notification_ids

    def find_idempotency_record(self, key: str) -> IdempotencyRecord | None:
        with self._database_lock:
            return self._answers.get(key)

    def remember_idempotency_record(self, record: IdempotencyRecord) -> None:
        with self._database_lock:
            if record.key in self._answers:
                raise IntegrityError(f"idempotency key {record.key!r} already recorded")
            self._answers[record.key] = record


class InMemoryNareis(NareisApplication):
    def construct_recorder(self) -> ApplicationRecorder:
        return IdempotentPOPORecorder()


def in_memory_application(permit_index: PermitIndex | None = None) -> NareisApplication:
    """The application on the POPO store; with `permit_index` None, the real index (in it)."""
    return InMemoryNareis(
        {"PERSISTENCE_MODULE": "eventsourcing.popo"},
        clock=FixedClock(),
        permit_index=permit_index,
    )


class RivalWriter:
    """Another writer that wins the race: just before the application saves a command, it
    records `rival()` on the same case, `times` times (then the application's saves go through)."""

    def __init__(self, app: NareisApplication, rival: Callable[[], Command], times: int) -> None:
        self.app, self.rival, self.remaining = app, rival, times
        self.context = CommandContext("rival")
        self.saves_lost = 0
        self._save = app.save
        self._racing = False
        app.save = self.save  # type: ignore[method-assign]

    def save(self, *aggregates: Any, **kwargs: Any) -> Any:
        if self.remaining and not self._racing:
            self.remaining -= 1
            self._racing = True
            try:
                self.app.execute(self.rival(), self.context)
            finally:
                self._racing = False
            try:
                return self._save(*aggregates, **kwargs)
            except IntegrityError:
                self.saves_lost += 1
                raise
        return self._save(*aggregates, **kwargs)


def a_sponsor(v_number: str = "1000000001", name: str = "Amal Haddad") -> Sponsor:
    return Sponsor(v_number, name, D("1988-03-14"), D("2025-06-02"), D("2025-05-28"), False)


def a_partner(v_number: str | None = None, name: str = "Samir Haddad") -> MemberDetails:
    return MemberDetails(
        name, D("1987-09-01"), "partner", True, True, v_number=v_number, marital_status="married"
    )


FULL_FILE = (
    "identity_document",
    "family_tie_document",
    "sponsor_declaration",
    "antecedents_certificate",
    "non_impediment_certificate",
)
