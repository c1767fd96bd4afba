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
from datetime import UTC, date, datetime
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


def sortable_instant(instant: datetime) -> str:
    """UTC, microseconds, fixed width: text order is time order."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class SQLiteDependentPermitHoldersView(SQLiteTrackingRecorder, DependentPermitHoldersView):
    """Effective-dated rows: each V-number and permit with the instant the system learned it, so
    "as known at" questions are index lookups."""

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            "CREATE TABLE IF NOT EXISTS dependent_permit_numbers ("
            "case_id TEXT NOT NULL, member_id TEXT NOT NULL, recorded_at TEXT NOT NULL, "
            "v_number TEXT, PRIMARY KEY (case_id, member_id, recorded_at)) WITHOUT ROWID",
            "CREATE INDEX IF NOT EXISTS dependent_permit_numbers_v_number "
            "ON dependent_permit_numbers (v_number)",
            "CREATE TABLE IF NOT EXISTS dependent_permits ("
            "case_id TEXT NOT NULL, member_id TEXT NOT NULL, issued_on TEXT NOT NULL, "
            "recorded_at TEXT NOT NULL, PRIMARY KEY (case_id, member_id)) WITHOUT ROWID",
        ]

    def record_member(
        self,
        case_id: str,
        member_id: str,
        v_number: str | None,
        recorded_at: datetime,
        tracking: Tracking,
    ) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.execute(
                "INSERT INTO dependent_permit_numbers (case_id, member_id, recorded_at, v_number) "
                "VALUES (?, ?, ?, ?)",
                (case_id, member_id, sortable_instant(recorded_at), v_number),
            )
            self._insert_tracking(c, tracking)

    def record_permit(
        self,
        case_id: str,
        member_id: str,
        issued_on: date,
        recorded_at: datetime,
        tracking: Tracking,
    ) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.execute(
                "INSERT INTO dependent_permits (case_id, member_id, issued_on, recorded_at) "
                "VALUES (?, ?, ?, ?)",
                (case_id, member_id, issued_on.isoformat(), sortable_instant(recorded_at)),
            )
            self._insert_tracking(c, tracking)

    def dump(self) -> dict[str, list[tuple]]:
        tables = ("dependent_permit_numbers", "dependent_permits")
        with self.datastore.transaction(commit=False) as c:
            dumped = {}
            for table in tables:
                c.execute(f"SELECT * FROM {table} ORDER BY 1, 2, 3")
                dumped[table] = [tuple(row) for row in c.fetchall()]
            return dumped

    def holds_dependent_permit(
        self, v_number: str, on: date, known_at: datetime | None = None
    ) -> bool:
        known = sortable_instant(known_at) if known_at else "9999"
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                "SELECT 1 FROM dependent_permit_numbers n JOIN dependent_permits p "
                "ON p.case_id = n.case_id AND p.member_id = n.member_id "
                "WHERE n.v_number = :v AND n.recorded_at <= :known "
                "AND p.issued_on <= :on AND p.recorded_at <= :known "
                "AND NOT EXISTS (SELECT 1 FROM dependent_permit_numbers later "
                "  WHERE later.case_id = n.case_id AND later.member_id = n.member_id "
                "  AND later.recorded_at > n.recorded_at AND later.recorded_at <= :known) "
                "LIMIT 1",
                {"v": v_number, "on": on.isoformat(), "known": known},
            )
            return c.fetchone() is not None
