"""The event stores: the library's application recorders, extended with Nareis's own tables.

Each adds the `idempotency_keys` table and the key table (`key_table.py`), and writes an
idempotency record in the same transaction as the command's events (passed as
`save(..., idempotency=...)`), so a crash can never keep the events and lose the key, or the other
way round. In that transaction too, each event's link in its aggregate's tamper-evident chain
(infrastructure/chained_events.py), and the destruction of an erased case's key.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor
from eventsourcing.utils import retry
from psycopg.sql import SQL

from application.ports import IdempotencyRecord
from infrastructure.chained_events import ChainedEvents, HeadCache, Links, chain_tables
from infrastructure.event_chain import GENESIS, ChainBroken
from infrastructure.key_table import CREATE_KEYS
from infrastructure.sql_dialect import CREATE_TABLES_LOCK, POSTGRES, SQLITE, Dialect

CREATE_IDEMPOTENCY_KEYS = (
    "CREATE TABLE IF NOT EXISTS idempotency_keys ("
    "key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, answer TEXT NOT NULL) WITHOUT ROWID"
)


class IdempotencyKeys:
    """The idempotency records, for a recorder with a `datastore` and a `dialect`; and what else
    a command's transaction writes beside its events."""

    dialect: Dialect
    datastore: Any
    case_keys: Any = None  # `infrastructure.case_keys.CaseKeys`, once the store's keys are open

    def _write_beside_events(self, c: Any, kwargs: dict[str, Any]) -> None:
        """In the events' transaction: the command's idempotency record, and the destruction of a
        case's key when the events record its erasure (`save(..., erase_personal_data_of=ID)`)."""
        record: IdempotencyRecord | None = kwargs.get("idempotency")
        if record is not None:
            self._insert_idempotency_record(c, record)
        erased = kwargs.get("erase_personal_data_of")
        if erased is not None:
            if self.case_keys is None:
                msg = "this store keeps no keys per case: nothing can be erased"
                raise TypeError(msg)
            self.case_keys.erase_in(c, erased)

    def find_idempotency_record(self, key: str) -> IdempotencyRecord | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                self.dialect.query("SELECT fingerprint, answer FROM idempotency_keys WHERE key=?"),
                (key,),
            )
            row = c.fetchone()
        if row is None:
            return None
        return IdempotencyRecord(key, row["fingerprint"], json.loads(row["answer"]))

    def remember_idempotency_record(self, record: IdempotencyRecord) -> None:
        with self.datastore.transaction(commit=True) as c:
            self._insert_idempotency_record(c, record)

    def idempotency_records_after(self, key: str, limit: int) -> list[IdempotencyRecord]:
        """The records whose key sorts after `key`, in key order (to copy them all, page by page)."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                self.dialect.query(
                    "SELECT key, fingerprint, answer FROM idempotency_keys WHERE key > ? "
                    "ORDER BY key LIMIT ?"
                ),
                (key, limit),
            )
            rows = c.fetchall()
        return [
            IdempotencyRecord(r["key"], r["fingerprint"], json.loads(r["answer"])) for r in rows
        ]

    def remember_idempotency_records(self, records: Sequence[IdempotencyRecord]) -> None:
        with self.datastore.transaction(commit=True) as c:
            for record in records:
                self._insert_idempotency_record(c, record)

    def _insert_idempotency_record(self, c: Any, record: IdempotencyRecord) -> None:
        # A duplicate key raises the library's IntegrityError and rolls the whole command back.
        c.execute(
            self.dialect.query(
                "INSERT INTO idempotency_keys (key, fingerprint, answer) VALUES (?, ?, ?)"
            ),
            (record.key, record.fingerprint, json.dumps(record.answer, sort_keys=True)),
        )


class NareisSQLiteApplicationRecorder(IdempotencyKeys, ChainedEvents, SQLiteApplicationRecorder):
    dialect = SQLITE
    position_column = "rowid"

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            CREATE_IDEMPOTENCY_KEYS,
            CREATE_KEYS,
            *chain_tables("TEXT"),
        ]

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        self._ensure_chain_log_once()
        return super().insert_events(stored_events, **kwargs)

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        notification_ids = super()._insert_events(c, stored_events, **kwargs)
        self._chain_stored_events(c, stored_events)
        self._write_beside_events(c, kwargs)
        return notification_ids

    def _stored_id(self, originator_id: Any) -> Any:
        return originator_id.hex if isinstance(originator_id, UUID) else originator_id


# The hash rows and heads of a write in one statement; a head moves on only from the hash it was
# known to have (the count tells whether every one did).
WRITE_LINKS = """
WITH hashes AS (
    INSERT INTO event_hashes (originator_id, originator_version, hash)
    SELECT * FROM unnest(%s::uuid[], %s::bigint[], %s::text[])
), links AS (
    SELECT * FROM unnest(%s::uuid[], %s::bigint[], %s::text[], %s::text[], %s::text[])
        AS l (originator_id, originator_version, hash, seal, before)
), moved AS (
    UPDATE event_chain_heads h
    SET originator_version = l.originator_version, hash = l.hash, seal = l.seal
    FROM links l WHERE h.originator_id = l.originator_id AND h.hash = l.before
    RETURNING h.originator_id
), started AS (
    INSERT INTO event_chain_heads (originator_id, originator_version, hash, seal)
    SELECT originator_id, originator_version, hash, seal FROM links WHERE before = %s
    ON CONFLICT (originator_id) DO NOTHING
    RETURNING originator_id
)
SELECT (SELECT COUNT(*) FROM moved) + (SELECT COUNT(*) FROM started) AS written
"""


class NareisPostgresApplicationRecorder(
    IdempotencyKeys, ChainedEvents, PostgresApplicationRecorder
):
    dialect = POSTGRES
    position_column = "notification_id"

    def __init__(self, datastore: PostgresDatastore, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        self.head_cache = HeadCache()
        for statement in [CREATE_IDEMPOTENCY_KEYS, CREATE_KEYS, *chain_tables("uuid")]:
            self.sql_create_statements.append(SQL(POSTGRES.ddl(statement)))  # type: ignore[arg-type]

    def _create_table(self, curs: Any) -> None:
        # Processes starting at once (`serve --workers`) raced in the library's CREATE OR REPLACE
        # FUNCTION ("tuple concurrently updated", a worker died at start): one at a time.
        curs.execute("SELECT pg_advisory_xact_lock(%s)", (CREATE_TABLES_LOCK,))
        super()._create_table(curs)

    def _lock_events_to_start_chain(self, c: Any) -> None:
        self._lock_table(c)

    def _known_head(self, originator_id: Any, first: StoredEvent) -> str | None:
        # On this store a read is a round trip, paid with the events' table locked.
        return self.head_cache.before(originator_id, first.originator_version)

    def _write_links(self, c: Any, links: Links) -> None:
        """The hash rows and heads in one round trip."""
        columns = (*zip(*links.hash_rows, strict=True), *zip(*links.heads, strict=True))
        c.execute(WRITE_LINKS, (*[list(column) for column in columns], GENESIS))
        if c.fetchone()["written"] != len(links.heads):
            raise ChainBroken(
                "the head of an event chain changed outside Nareis (it is not the one this write "
                "follows); nothing recorded, run `nareis verify`"
            )
        if links.started:
            self._count_started_chains(c, links.started)

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """The library's insert in a plain transaction instead of a pipeline: in a pipeline, a
        lost race (a duplicate case version or idempotency key) surfaces as "pipeline aborted",
        an OperationalError the library retries ten times and then answers as a 500, instead of
        the IntegrityError that tells the application another writer won."""
        self._ensure_chain_log_once()
        with self.datastore.transaction(commit=True) as curs:
            self._insert_stored_events(curs, stored_events)
            notification_ids = self._fetch_ids_after_insert_events(curs, stored_events)
            links = self._chain_stored_events(curs, stored_events)
            self._write_beside_events(curs, kwargs)
        self.head_cache.remember(links)  # committed
        return notification_ids
