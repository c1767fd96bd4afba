"""The dependent-permit index in the application's event store (`domain/permit_index.py`).

Commands keep it: `execute` compares the case's holdings before and after the command and saves
the index aggregates that change in the same `save()` as the case's events, so the index never
lags the cases, unlike the read model. The decision on a grant reads it.

A database written before the index existed has none: `ensure_permit_index` builds it from the
cases once (when a process opens the database; a marker aggregate records that it was built), and
`rebuild_permit_index` brings every index to what the cases record, recording only differences.

The index names a V-number by a reference (`IndexReferences`): the V-number itself in a store
without an encryption key (as it always did), else a keyed digest of it, so that neither an index's
id nor its events reveal the V-number. With a key it names a holder (case and member) by a digest
under the case's own key, too: once the case is erased, no index event can be tied to it. The
marker of a built index names the kind of reference, so an index built with other references is
built again.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import get_topic

from domain.case import Case
from domain.permit_index import NAMESPACE, DependentPermitIndex, Holding, holdings_of

log = logging.getLogger("nareis.permit_index")

BATCH = 500
# Raise when the index's shape changes: databases whose index was built by an older shape get a
# new marker id, so the index is built again when a process opens them.
INDEX_SCHEMA = 1


def _case_and_member(case_id: str, member_id: str) -> tuple[str, str]:
    return case_id, member_id


@dataclass(frozen=True)
class IndexReferences:
    """How the index names a V-number, `of(v_number)`, and a holder, `holder(case_id, member_id)`
    (a pair, in the fields of a `Holding`); `scheme` tells references of one kind from another's
    (empty for V-numbers, cases and members as they are)."""

    of: Callable[[str], str] = str
    holder: Callable[[str, str], tuple[str, str]] = _case_and_member
    scheme: str = ""

    def of_holding(self, holding: Holding) -> Holding:
        case_ref, member_ref = self.holder(holding.case_id, holding.member_id)
        return Holding(self.of(holding.v_number), case_ref, member_ref, holding.issued_on)


PLAIN_REFERENCES = IndexReferences()


class StoredPermitIndex:
    """Reads and changes the index aggregates through the application's repository. Callers
    speak of V-numbers; the aggregates hold their references."""

    def __init__(
        self, application: Application[UUID], references: IndexReferences = PLAIN_REFERENCES
    ) -> None:
        self.application = application
        self.references = references

    def holds_dependent_permit(self, v_number: str, on: date) -> bool:
        index = self.find(v_number)
        return index is not None and index.holds_on(on)

    def find(self, v_number: str) -> DependentPermitIndex | None:
        return self._find(self.references.of(v_number))

    def _find(self, reference: str) -> DependentPermitIndex | None:
        try:
            index = self.application.repository.get(DependentPermitIndex.create_id(reference))
        except AggregateNotFoundError:
            return None
        assert isinstance(index, DependentPermitIndex)
        return index

    def grant_reading(self, v_number: str) -> IndexAsRead:
        reference = self.references.of(v_number)
        return IndexAsRead(
            self._find(reference) or DependentPermitIndex(reference), self.references
        )

    def referenced(self, holdings: Iterable[Holding]) -> frozenset[Holding]:
        """The holdings as the index keeps them: under the reference of their V-number."""
        return frozenset(self.references.of_holding(h) for h in holdings)

    def updates(
        self, before: frozenset[Holding], after: frozenset[Holding]
    ) -> list[DependentPermitIndex]:
        """The index aggregates with events pending that turn `before` into `after` (holdings
        under V-numbers): a holding gone leaves its V-number's index, a new one joins it."""
        return self.updates_of_referenced(self.referenced(before), self.referenced(after))

    def updates_of_referenced(
        self, before: frozenset[Holding], after: frozenset[Holding]
    ) -> list[DependentPermitIndex]:
        """As `updates`, for holdings already under their references."""
        indexes: dict[str, DependentPermitIndex] = {}

        def index_of(reference: str) -> DependentPermitIndex:
            if reference not in indexes:
                indexes[reference] = self._find(reference) or DependentPermitIndex(reference)
            return indexes[reference]

        for gone in sorted(before - after):
            index_of(gone.v_number).remove(gone)
        for new in sorted(after - before):
            index_of(new.v_number).record(new)
        return [index for index in indexes.values() if index.pending_events]


@dataclass
class IndexAsRead:
    """A V-number's index as a decision read it (`application.ports.GrantReading`)."""

    index: DependentPermitIndex
    references: IndexReferences = PLAIN_REFERENCES

    def holds_dependent_permit(self, v_number: str, on: date) -> bool:
        assert self.references.of(v_number) == self.index.v_number
        return self.index.holds_on(on)

    def noted(self, case_id: str, member_id: str, decided_on: date) -> list[DependentPermitIndex]:
        self.index.note_grant(*self.references.holder(case_id, member_id), decided_on)
        return [self.index]


def case_holdings(case: Case) -> frozenset[Holding]:
    return holdings_of(str(case.id), case.members.values())


# --- building the index from the cases ------------------------------------------------------------


class PermitIndexBuilt(Aggregate):
    """Marks a database whose index was built from its cases (`INDEX_SCHEMA`), with references
    of one kind (`IndexReferences.scheme`; none for the V-numbers themselves)."""

    @staticmethod
    def create_id(schema: int, references: str = "") -> UUID:
        return uuid5(NAMESPACE, f"built/{schema}" + (f"/{references}" if references else ""))

    @event("PermitIndexBuilt")
    def __init__(self, schema: int, references: str = "") -> None:
        self.schema = schema
        self.references = references


def originator_ids(application: Application[UUID], topic: str) -> Iterator[UUID]:
    """The ids of the aggregates whose events of `topic` are in the log, oldest first."""
    position = 0
    while notifications := application.recorder.select_notifications(
        start=position, limit=BATCH, topics=[topic], inclusive_of_start=False
    ):
        for notification in notifications:
            yield UUID(str(notification.originator_id))
        position = notifications[-1].id


def expected_by_v_number(holdings: Iterable[Holding]) -> dict[str, frozenset[Holding]]:
    """The holdings grouped per V-number, as the index keeps them."""
    found: dict[str, set[Holding]] = defaultdict(set)
    for holding in holdings:
        found[holding.v_number].add(holding)
    return {v_number: frozenset(held) for v_number, held in found.items()}


def current_cases(application: Application[UUID]) -> Iterator[Case]:
    for case_id in originator_ids(application, get_topic(Case.CaseOpened)):
        yield application.repository.get(case_id)


def stored_indexes(application: Application[UUID]) -> Iterator[DependentPermitIndex]:
    for index_id in originator_ids(application, get_topic(DependentPermitIndex.IndexOpened)):
        yield application.repository.get(index_id)


def stored_holdings(application: Application[UUID]) -> dict[str, frozenset[Holding]]:
    """Per reference, the holdings the index aggregates of the application's kind of reference
    record (an index that holds nothing, such as one only a grant was decided on, is as good as
    none; indexes of another kind of reference are left behind)."""
    index = stored_permit_index(application)
    return {
        stored.v_number: held
        for stored in stored_indexes(application)
        if (held := stored.holdings()) and _scheme_of(stored.v_number) == index.references.scheme
    }


def _scheme_of(reference: str) -> str:
    """The scheme a reference is of: "SCHEME:DIGEST", or a V-number itself (no colon)."""
    scheme, separator, _ = reference.partition(":")
    return scheme if separator else ""


def stored_permit_index(application: Application[UUID]) -> StoredPermitIndex:
    index = getattr(application, "permit_index", None)
    return index if isinstance(index, StoredPermitIndex) else StoredPermitIndex(application)


def expected_holdings(
    application: Application[UUID], holdings: Iterable[Holding]
) -> dict[str, frozenset[Holding]]:
    """Per reference, the holdings that the cases' `holdings` make (as `stored_holdings`)."""
    return expected_by_v_number(stored_permit_index(application).referenced(holdings))


def rebuild_permit_index(application: Application[UUID]) -> int:
    """Bring every index to what the cases record now; how many index events that took (0 when
    the index was right). Run it before the process records commands: a command recorded
    during the rebuild could be undone by it."""
    index = stored_permit_index(application)
    expected = expected_holdings(
        application, (h for case in current_cases(application) for h in case_holdings(case))
    )
    stored = stored_holdings(application)
    changed: list[DependentPermitIndex] = []
    for reference in sorted(set(expected) | set(stored)):
        before, after = stored.get(reference, frozenset()), expected.get(reference, frozenset())
        changed.extend(index.updates_of_referenced(before, after))
    events = sum(len(i.pending_events) for i in changed)
    for start in range(0, len(changed), BATCH):
        application.save(*changed[start : start + BATCH])
    return events


def ensure_permit_index(application: Application[UUID], attempts: int = 3) -> bool:
    """Build the index from the cases if this database has never had it built; whether it did.
    Two processes opening the same database at once both build it; the loser's save conflicts,
    and it checks again."""
    for _attempt in range(attempts):
        if _is_built(application):
            return False
        try:
            events = rebuild_permit_index(application)
            scheme = stored_permit_index(application).references.scheme
            application.save(PermitIndexBuilt(INDEX_SCHEMA, scheme))
        except IntegrityError:
            continue
        log.info("built the dependent-permit index from the cases (%d events)", events)
        return True
    return False


def _is_built(application: Application[UUID]) -> bool:
    scheme = stored_permit_index(application).references.scheme
    marker_id = PermitIndexBuilt.create_id(INDEX_SCHEMA, scheme)
    return bool(list(application.events.get(marker_id, limit=1)))


def holdings_differences(
    expected: dict[str, frozenset[Holding]], stored: dict[str, frozenset[Holding]]
) -> Sequence[tuple[str, Any, Any]]:
    """(V-number, stored, expected) wherever the index differs from the cases."""
    return [
        (v_number, sorted(stored.get(v_number, ())), sorted(expected.get(v_number, ())))
        for v_number in sorted(set(expected) | set(stored))
        if stored.get(v_number, frozenset()) != expected.get(v_number, frozenset())
    ]
