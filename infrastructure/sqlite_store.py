"""SQLite storage: the library's recorders, extended with Nareis's own tables.

- `NareisSQLiteApplicationRecorder` adds the `idempotency_keys` table and writes an idempotency
  record in the same transaction as the command's events (passed as `save(..., idempotency=...)`), so
  a crash can never keep the events and lose the key, or the other way round.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor

from application.ports import IdempotencyRecord


class NareisSQLiteApplicationRecorder(SQLiteApplicationRecorder):
    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            "CREATE TABLE IF NOT EXISTS idempotency_keys ("
            "key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, answer TEXT NOT NULL) WITHOUT ROWID",
        ]

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        notification_ids = super()._insert_events(c, stored_events, **kwargs)
        record: IdempotencyRecord | None = kwargs.get("idempotency")
        if record is not None:
            self._insert_idempotency_record(c, record)
        return notification_ids

    def find_idempotency_record(self, key: str) -> IdempotencyRecord | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute("SELECT fingerprint, answer FROM idempotency_keys WHERE key=?", (key,))
            row = c.fetchone()
        if row is None:
            return None
        return IdempotencyRecord(key, row["fingerprint"], json.loads(row["answer"]))

    def remember_idempotency_record(self, record: IdempotencyRecord) -> None:
        with self.datastore.transaction(commit=True) as c:
            self._insert_idempotency_record(c, record)

    @staticmethod
    def _insert_idempotency_record(c: SQLiteCursor, record: IdempotencyRecord) -> None:
        # A duplicate key raises the library's IntegrityError and rolls the whole command back.
        c.execute(
            "INSERT INTO idempotency_keys (key, fingerprint, answer) VALUES (?, ?, ?)",
            (record.key, record.fingerprint, json.dumps(record.answer, sort_keys=True)),
        )
