"""SQLite storage: the library's recorders, extended with Nareis's own tables.

- `NareisSQLiteApplicationRecorder` adds the `idempotency_keys` table and writes an idempotency
  record in the same transaction as the command's events (passed as `save(..., idempotency=...)`), so
  a crash can never keep the events and lose the key, or the other way round.
- `SQLiteDependentPermitHoldersView` is the projection's view: its rows and the tracking position
  are written in one transaction, so each event is applied exactly once.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any

from eventsourcing.persistence import StoredEvent, Tracking
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor, SQLiteTrackingRecorder

from application.ports import IdempotencyRecord
from application.projections import DependentPermitHoldersView


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


class SQLiteDependentPermitHoldersView(SQLiteTrackingRecorder, DependentPermitHoldersView):
    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            "CREATE TABLE IF NOT EXISTS dependent_permit_members ("
            "case_id TEXT NOT NULL, member_id TEXT NOT NULL, v_number TEXT, "
            "PRIMARY KEY (case_id, member_id)) WITHOUT ROWID",
            "CREATE INDEX IF NOT EXISTS dependent_permit_members_v_number "
            "ON dependent_permit_members (v_number)",
            "CREATE TABLE IF NOT EXISTS dependent_permits ("
            "case_id TEXT NOT NULL, member_id TEXT NOT NULL, issued_on TEXT NOT NULL, "
            "PRIMARY KEY (case_id, member_id)) WITHOUT ROWID",
        ]

    def record_member(
        self, case_id: str, member_id: str, v_number: str | None, tracking: Tracking
    ) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.execute(
                "INSERT INTO dependent_permit_members (case_id, member_id, v_number) "
                "VALUES (?, ?, ?) ON CONFLICT (case_id, member_id) "
                "DO UPDATE SET v_number = excluded.v_number",
                (case_id, member_id, v_number),
            )
            self._insert_tracking(c, tracking)

    def record_permit(
        self, case_id: str, member_id: str, issued_on: date, tracking: Tracking
    ) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.execute(
                "INSERT INTO dependent_permits (case_id, member_id, issued_on) VALUES (?, ?, ?) "
                "ON CONFLICT (case_id, member_id) DO UPDATE SET issued_on = excluded.issued_on",
                (case_id, member_id, issued_on.isoformat()),
            )
            self._insert_tracking(c, tracking)

    def holds_dependent_permit(self, v_number: str, on: date) -> bool:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                "SELECT 1 FROM dependent_permit_members m JOIN dependent_permits p "
                "ON p.case_id = m.case_id AND p.member_id = m.member_id "
                "WHERE m.v_number = ? AND p.issued_on <= ? LIMIT 1",
                (v_number, on.isoformat()),
            )
            return c.fetchone() is not None
