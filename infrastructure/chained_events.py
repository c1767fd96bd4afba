"""The tables of the event chain (infrastructure/event_chain.py) in an application recorder.

The chain is written in the same transaction as the events it covers, after them: a writer that
lost the race on a version has failed on the events' primary key before, and its whole
transaction, hashes included, rolls back.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from infrastructure.event_chain import GENESIS, ChainBroken, ChainKeyMismatch, ChainLog, EventChain
from infrastructure.sql_dialect import Dialect

log = logging.getLogger("nareis.event_chain")


def chain_tables(originator_id_type: str) -> list[str]:
    """The CREATE statements (SQLite's; a dialect translates them) of the chain's tables."""
    return [
        "CREATE TABLE IF NOT EXISTS event_hashes ("
        f"originator_id {originator_id_type} NOT NULL, originator_version BIGINT NOT NULL, "
        "hash TEXT NOT NULL, PRIMARY KEY (originator_id, originator_version)) WITHOUT ROWID",
        "CREATE TABLE IF NOT EXISTS event_chain_heads ("
        f"originator_id {originator_id_type} PRIMARY KEY, originator_version BIGINT NOT NULL, "
        "hash TEXT NOT NULL, seal TEXT NOT NULL) WITHOUT ROWID",
        "CREATE TABLE IF NOT EXISTS event_chain_log ("
        "id INTEGER PRIMARY KEY CHECK (id = 1), key_id TEXT NOT NULL, "
        "legacy_last_position BIGINT NOT NULL, legacy_events BIGINT NOT NULL, "
        "chains BIGINT NOT NULL, seal TEXT NOT NULL)",
    ]


def attach_chain(application: Any, key: bytes | None) -> None:
    """Chain `application`'s events with `key` (None: unkeyed); closes it if the database's
    chain was written with another key."""
    try:
        application.recorder.use_chain(EventChain(key))
    except Exception:
        application.close()
        raise


@dataclass
class Links:
    """What a write adds to the chain: hash rows, heads, and how many chains it starts."""

    hash_rows: list[tuple[Any, int, str]] = field(default_factory=list)  # id, version, hash
    # id, version, hash, seal, and the hash the head had before (GENESIS: a new chain)
    heads: list[tuple[Any, int, str, str, str]] = field(default_factory=list)
    started: int = 0


class HeadCache:
    """The heads this process last wrote, per aggregate. A write that follows one of them needs
    no read of the head: had another writer moved it, that writer's version would have taken
    the events' key first and this write would have failed there. Only committed heads are kept,
    and the write still checks, in its statement, that the head is the one remembered."""

    def __init__(self, size: int = 10_000) -> None:
        self._heads: OrderedDict[Any, tuple[int, str]] = OrderedDict()
        self._size, self._lock = size, threading.Lock()

    def before(self, originator_id: Any, version: int) -> str | None:
        """The hash of the head at `version` - 1, if that is the head remembered."""
        with self._lock:
            head = self._heads.get(originator_id)
        return head[1] if head is not None and head[0] == version - 1 else None

    def remember(self, links: Links) -> None:
        with self._lock:
            for originator_id, version, hash_, *_ in links.heads:
                self._heads[originator_id] = (version, hash_)
                self._heads.move_to_end(originator_id)
            while len(self._heads) > self._size:
                self._heads.popitem(last=False)


@dataclass(frozen=True)
class ChainTally:
    """What the store holds, counted to compare with the chain's log record."""

    before_chain: int  # events at or before the position where the chain started
    chains: int  # aggregates with events after it


@dataclass(frozen=True)
class ChainRow:
    """A stored event as the verifier reads it, with its hash row and its aggregate's head."""

    position: int
    originator_id: str  # hex, as the chain hashes it
    version: int
    topic: str
    state: bytes
    hash: str | None
    head_version: int | None
    head_hash: str | None
    head_seal: str | None


class ChainedEvents:
    """Writes and reads the chain, for a recorder with a `datastore`, a `dialect` and the
    library's `events_table_name`."""

    dialect: Dialect
    datastore: Any
    events_table_name: str
    position_column: str  # the column of an event's position in the log
    chain: EventChain = EventChain()
    _chain_log_checked: bool = False

    def use_chain(self, chain: EventChain) -> None:
        """Chain with `chain`'s key from now on; the database's log record is made (at the first
        start) or checked against the key (ChainKeyMismatch) now."""
        self.chain = chain
        self._chain_log_checked = False
        self.ensure_chain_log()

    def ensure_chain_log(self) -> None:
        with self.datastore.transaction(commit=False) as c:
            record = self._chain_log(c)
        if record is None:  # only then a write: a read-only copy can be verified
            record = self._start_chain_log()
        if record is not None and record.key_id != self.chain.key_id:
            raise ChainKeyMismatch(
                f"the event chain of this database was written with another key (key id "
                f"{record.key_id}, this one's {self.chain.key_id}; see NAREIS_CHAIN_KEY), "
                "or its log record was altered"
            )
        self._chain_log_checked = True

    def _lock_events_to_start_chain(self, c: Any) -> None:
        """Keep writers out while the events stored before the chain are counted."""

    def _start_chain_log(self) -> ChainLog | None:
        """The log record, made now if no other process made it first: the events stored so far
        have no chain. None if hash rows exist without it (it was removed)."""
        with self.datastore.transaction(commit=True) as c:
            self._lock_events_to_start_chain(c)
            # A write first: on SQLite it takes the write lock before the events are counted.
            c.execute(
                "INSERT INTO event_chain_log (id, key_id, legacy_last_position, legacy_events, "
                "chains, seal) VALUES (1, '', 0, 0, 0, '') ON CONFLICT (id) DO NOTHING"
            )
            record = self._chain_log(c)
            if record is not None and record.seal != "":
                return record
            if self._first_row(c, "SELECT 1 AS found FROM event_hashes LIMIT 1") is not None:
                # Making a new record would vouch for whatever is stored now; `nareis verify`
                # reports the missing one instead.
                log.error("the event chain's log record is missing: run `nareis verify`")
                c.execute("DELETE FROM event_chain_log WHERE id = 1")
                return None
            return self._first_chain_log(c)

    def _first_chain_log(self, c: Any) -> ChainLog:
        counted = self._first_row(
            c,
            f"SELECT MAX({self.position_column}) AS last, COUNT(*) AS events "
            f"FROM {self.events_table_name}",
        )
        record = self.chain.sealed_log(counted["last"] or 0, counted["events"], 0)
        c.execute(
            self.dialect.query(
                "UPDATE event_chain_log SET key_id = ?, legacy_last_position = ?, "
                "legacy_events = ?, chains = ?, seal = ? WHERE id = 1"
            ),
            (
                record.key_id,
                record.legacy_last_position,
                record.legacy_events,
                record.chains,
                record.seal,
            ),
        )
        return record

    def _ensure_chain_log_once(self) -> None:
        if not self._chain_log_checked:
            self.ensure_chain_log()

    # --- writing, with the events --------------------------------------------------------------

    def _chain_stored_events(self, c: Any, stored_events: Sequence[StoredEvent]) -> Links:
        """The links of `stored_events`, read and written in their transaction `c`."""
        links = self._links(c, stored_events) if stored_events else Links()
        if links.heads:
            self._write_links(c, links)
        return links

    def _links(self, c: Any, stored_events: Sequence[StoredEvent]) -> Links:
        """Each event's hash, from the head of its aggregate (read with `c`, unless known)."""
        by_originator = _by_originator(stored_events)
        known = {o: self._known_head(o, events[0]) for o, events in by_originator.items()}
        unknown = [originator_id for originator_id, head in known.items() if head is None]
        heads = self._heads(c, unknown) if unknown else {}
        links = Links()
        for originator_id, events in by_originator.items():
            previous = known[originator_id] or self._previous_hash(
                c, originator_id, events[0], heads.get(originator_id)
            )
            links.started += previous == GENESIS
            before = previous
            stored_id = self._stored_id(originator_id)
            for event in events:
                previous = self.chain.link(
                    previous, originator_id, event.originator_version, event.topic, event.state
                )
                links.hash_rows.append((stored_id, event.originator_version, previous))
            seal = self.chain.seal_head(previous)
            links.heads.append((stored_id, events[-1].originator_version, previous, seal, before))
        return links

    def _known_head(self, originator_id: UUID | str, first: StoredEvent) -> str | None:
        """The hash of the head before `first`, if known without reading it (None: read it)."""
        return None

    def _write_links(self, c: Any, links: Links) -> None:
        c.executemany(
            self.dialect.query(
                "INSERT INTO event_hashes (originator_id, originator_version, hash) VALUES (?, ?, ?)"
            ),
            links.hash_rows,
        )
        c.executemany(
            self.dialect.query(
                "INSERT INTO event_chain_heads (originator_id, originator_version, hash, seal) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (originator_id) DO UPDATE SET "
                "originator_version = excluded.originator_version, hash = excluded.hash, "
                "seal = excluded.seal"
            ),
            [head[:4] for head in links.heads],
        )
        if links.started:
            self._count_started_chains(c, links.started)

    def _heads(self, c: Any, originator_ids: list[UUID | str]) -> dict[UUID | str, Any]:
        stored_ids = {self._stored_id(o): o for o in originator_ids}
        marks = ", ".join("?" * len(stored_ids))
        c.execute(
            self.dialect.query(
                "SELECT originator_id, originator_version, hash, seal FROM event_chain_heads "
                f"WHERE originator_id IN ({marks})"
            ),
            list(stored_ids),
        )
        return {stored_ids[self._stored_id(row["originator_id"])]: row for row in c.fetchall()}

    def _previous_hash(
        self, c: Any, originator_id: UUID | str, first: StoredEvent, head: Any
    ) -> str:
        """The hash the first of these events links to: the head's, if it is the previous
        version's and sealed; none for an aggregate whose chain starts here."""
        version = first.originator_version
        if head is None:
            if version == 1 or not self._has_hash_row(c, originator_id, version - 1):
                return GENESIS  # a new aggregate, or one whose events predate the chain
            raise ChainBroken(f"{originator_id}: the head of its event chain was removed")
        if head["originator_version"] != version - 1 or head["seal"] != self.chain.seal_head(
            head["hash"]
        ):
            raise ChainBroken(
                f"{originator_id}: the head of its event chain (version "
                f"{head['originator_version']}) does not match version {version - 1}, the last "
                "one stored; nothing recorded, run `nareis verify`"
            )
        return str(head["hash"])

    def _has_hash_row(self, c: Any, originator_id: UUID | str, version: int) -> bool:
        c.execute(
            self.dialect.query(
                "SELECT 1 AS found FROM event_hashes WHERE originator_id = ? AND originator_version = ?"
            ),
            (self._stored_id(originator_id), version),
        )
        return c.fetchone() is not None

    def _count_started_chains(self, c: Any, started: int) -> None:
        record = self._chain_log(c)
        if record is None or not self.chain.log_is_sealed(record):
            # Never re-seal what was changed outside Nareis: `nareis verify` reports it.
            log.error("the event chain's log record is missing or altered: run `nareis verify`")
            return
        counted = self.chain.sealed_log(
            record.legacy_last_position, record.legacy_events, record.chains + started
        )
        c.execute(
            self.dialect.query("UPDATE event_chain_log SET chains = ?, seal = ? WHERE id = 1"),
            (counted.chains, counted.seal),
        )

    # --- reading, for `nareis verify` ------------------------------------------------------------

    def chain_log(self) -> ChainLog | None:
        with self.datastore.transaction(commit=False) as c:
            return self._chain_log(c)

    def _chain_log(self, c: Any) -> ChainLog | None:
        row = self._first_row(
            c,
            "SELECT key_id, legacy_last_position, legacy_events, chains, seal "
            "FROM event_chain_log WHERE id = 1",
        )
        return None if row is None else self._chain_log_of(row)

    def _chain_log_of(self, row: Any) -> ChainLog:
        return ChainLog(
            str(row["key_id"]),
            int(row["legacy_last_position"]),
            int(row["legacy_events"]),
            int(row["chains"]),
            str(row["seal"]),
        )

    def chain_log_and_tally(self) -> tuple[ChainLog | None, ChainTally]:
        """The log record and what the store holds, in one statement (one snapshot)."""
        position, events = self.position_column, self.events_table_name
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                "SELECT l.key_id, l.legacy_last_position, l.legacy_events, l.chains, l.seal, "
                f"(SELECT COUNT(*) FROM {events} e WHERE e.{position} <= l.legacy_last_position) "
                "AS counted_before, "
                f"(SELECT COUNT(DISTINCT e.originator_id) FROM {events} e "
                f"WHERE e.{position} > l.legacy_last_position) AS counted_chains "
                "FROM event_chain_log l WHERE l.id = 1"
            )
            row = c.fetchone()
        if row is None:
            return None, ChainTally(0, 0)
        return self._chain_log_of(row), ChainTally(
            int(row["counted_before"]), int(row["counted_chains"])
        )

    def count_stored_events(self) -> int:
        with self.datastore.transaction(commit=False) as c:
            return int(
                self._first_row(c, f"SELECT COUNT(*) AS events FROM {self.events_table_name}")[
                    "events"
                ]
            )

    def chain_rows(self, batch: int = 2_000) -> Iterator[ChainRow]:
        """Every stored event with its hash row and head, by aggregate and version, read a batch
        per transaction (an event stored meanwhile after the reading position is read too)."""
        after: tuple[Any, int] | None = None
        while rows := self._chain_rows_after(after, batch):
            yield from (self._chain_row(row) for row in rows)
            after = (rows[-1]["originator_id"], rows[-1]["originator_version"])

    def _chain_rows_after(self, after: tuple[Any, int] | None, limit: int) -> list[Any]:
        where = "WHERE (e.originator_id, e.originator_version) > (?, ?) " if after else ""
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                self.dialect.query(
                    f"SELECT e.{self.position_column} AS position, e.originator_id, "
                    "e.originator_version, e.topic, e.state, h.hash, "
                    "hd.originator_version AS head_version, hd.hash AS head_hash, "
                    f"hd.seal AS head_seal FROM {self.events_table_name} e "
                    "LEFT JOIN event_hashes h ON h.originator_id = e.originator_id "
                    "AND h.originator_version = e.originator_version "
                    "LEFT JOIN event_chain_heads hd ON hd.originator_id = e.originator_id "
                    f"{where}ORDER BY e.originator_id, e.originator_version LIMIT ?"
                ),
                (*(after or ()), limit),
            )
            return list(c.fetchall())

    def _chain_row(self, row: Any) -> ChainRow:
        originator = row["originator_id"]
        return ChainRow(
            position=int(row["position"]),
            originator_id=originator.hex if isinstance(originator, UUID) else str(originator),
            version=int(row["originator_version"]),
            topic=str(row["topic"]),
            state=bytes(row["state"]),
            hash=row["hash"],
            head_version=row["head_version"],
            head_hash=row["head_hash"],
            head_seal=row["head_seal"],
        )

    def chains_without_events(self) -> list[tuple[str, int]]:
        """The aggregates with hash rows or a head but no stored event, and the last version
        their chain names."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                "SELECT originator_id, MAX(originator_version) AS last FROM ("
                "SELECT originator_id, originator_version FROM event_hashes UNION ALL "
                "SELECT originator_id, originator_version FROM event_chain_heads) AS chained "
                f"WHERE NOT EXISTS (SELECT 1 FROM {self.events_table_name} e "
                "WHERE e.originator_id = chained.originator_id) "
                "GROUP BY originator_id ORDER BY originator_id"
            )
            rows = c.fetchall()
        return [
            (
                r["originator_id"].hex
                if isinstance(r["originator_id"], UUID)
                else r["originator_id"],
                int(r["last"]),
            )
            for r in rows
        ]

    # --- helpers ---------------------------------------------------------------------------------

    def _stored_id(self, originator_id: Any) -> Any:
        """An originator id as the events table keeps it."""
        return originator_id

    def _first_row(self, c: Any, sql: str) -> Any:
        c.execute(sql)
        return c.fetchone()


def _by_originator(stored_events: Sequence[StoredEvent]) -> dict[UUID | str, list[StoredEvent]]:
    grouped: dict[UUID | str, list[StoredEvent]] = {}
    for event in stored_events:
        grouped.setdefault(event.originator_id, []).append(event)
    for events in grouped.values():
        events.sort(key=lambda e: e.originator_version)
    return grouped
