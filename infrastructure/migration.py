"""`nareis migrate-store`: an office moves from one store to another (the embedded SQLite file to a
PostgreSQL server, say) with every event and idempotency key.

The events are copied in the order of the source's log, a batch per transaction, with their stored
bytes unchanged: the target's log is the source's, position for position. The key table comes
with them, as it is (keys wrapped by the same master key), so an encrypted office stays encrypted
under the same `NAREIS_ENCRYPTION_KEY`. The source is only read.
The read model is not copied: the target's is projected from the copied events (`nareis` does it
after the copy), so it is derived with this build's calendar and policy data.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from eventsourcing.persistence import StoredEvent

from infrastructure.event_stores import IdempotencyKeys
from infrastructure.key_table import KeyTable

# (what, done, total): called after every batch.
Progress = Callable[[str, int, int], None]
BATCH = 1_000


class TargetNotEmpty(Exception):
    """The target already holds events: copying into it would mix two logs."""


@dataclass(frozen=True)
class Copied:
    events: int
    keys: int
    seconds: float


def copy_store(
    source: IdempotencyKeys, target: IdempotencyKeys, progress: Progress, batch: int = BATCH
) -> Copied:
    """Every event and idempotency key of `source` (an application recorder) into `target` (an
    empty one)."""
    if target.max_notification_id() is not None:  # type: ignore[attr-defined]
        raise TargetNotEmpty("the target database already holds events; give an empty one")
    started = time.perf_counter()
    events = _copy_events(source, target, progress, batch)
    keys = _copy_keys(source, target, progress, batch)
    _copy_key_table(source, target, batch)
    return Copied(events, keys, time.perf_counter() - started)


def _copy_events(source: Any, target: Any, progress: Progress, batch: int) -> int:
    last = source.max_notification_id() or 0
    position, copied = 0, 0
    while notifications := source.select_notifications(
        start=position, limit=batch, inclusive_of_start=False
    ):
        target.insert_events(
            [
                StoredEvent(n.originator_id, n.originator_version, n.topic, n.state)
                for n in notifications
            ]
        )
        position, copied = notifications[-1].id, copied + len(notifications)
        progress("copying events", position, last)
    return copied


def _copy_keys(
    source: IdempotencyKeys, target: IdempotencyKeys, progress: Progress, batch: int
) -> int:
    key, copied = "", 0
    while records := source.idempotency_records_after(key, batch):
        target.remember_idempotency_records(records)
        key, copied = records[-1].key, copied + len(records)
        progress("copying idempotency keys", copied, copied)
    return copied


def _copy_key_table(source: Any, target: Any, batch: int) -> None:
    """The source's key table over the target's (whose store key, if it made one, wraps nothing
    yet: the target held no events)."""
    rows_of, into = (
        KeyTable(source.datastore, source.dialect),
        KeyTable(target.datastore, target.dialect),
    )
    name = ""
    while rows := rows_of.rows_after(name, batch):
        into.put(rows)
        name = rows[-1].name
