"""The read model on PostgreSQL: the SQL of read_model_sql.py in the library's PostgreSQL recorder."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from eventsourcing.postgres import PostgresTrackingRecorder
from psycopg import Cursor

from infrastructure.read_model_sql import SQLReadModel
from infrastructure.sql_dialect import CREATE_TABLES_LOCK, POSTGRES, TranslatingCursor

READERS_WAIT_SECONDS = 30


class Record(tuple):
    """A row readable by position, by column name and with `dict()`, as the shared SQL reads it."""

    _index: dict[str, int]

    def __new__(cls, values: Sequence[Any], index: dict[str, int]) -> Record:
        record = super().__new__(cls, values)
        record._index = index
        return record

    def __getitem__(self, key: Any) -> Any:  # type: ignore[override]
        if isinstance(key, str):
            return tuple.__getitem__(self, self._index[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._index)


def record_row(cursor: Cursor[Any]) -> Callable[[Sequence[Any]], Record]:
    index = {column.name: i for i, column in enumerate(cursor.description or ())}
    return lambda values: Record(values, index)


class PostgresReadModel(PostgresTrackingRecorder, SQLReadModel):
    dialect = POSTGRES

    def _create_table(self, curs: Cursor[Any]) -> None:
        # API processes starting at once would otherwise race in CREATE TABLE IF NOT EXISTS.
        curs.execute("SELECT pg_advisory_xact_lock(%s)", (CREATE_TABLES_LOCK,))
        super()._create_table(curs)
        self._create_read_model(self._cursor(curs.connection.cursor(row_factory=record_row)))

    @contextmanager
    def _transaction(self, *, commit: bool) -> Iterator[TranslatingCursor]:
        with self.datastore.get_connection() as conn, conn.transaction(force_rollback=not commit):
            cursor = conn.cursor(row_factory=record_row)
            if not commit:
                # Every statement of an answer reads the same snapshot, as on SQLite.
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            yield self._cursor(cursor)

    def _wait_for_readers_of_replaced_tables(self) -> None:
        """A PostgreSQL reader finds tables by name when it first reads them, so a transaction
        that read the swapped row before the swap could still turn to a replaced table: wait
        until every transaction older than the swap has ended (at most READERS_WAIT_SECONDS)."""
        with self.datastore.get_connection() as conn:
            cursor = conn.cursor(row_factory=record_row)
            swapped_at = cursor.execute("SELECT now()").fetchone()[0]  # type: ignore[index]
            deadline = time.monotonic() + READERS_WAIT_SECONDS
            while _transactions_older_than(cursor, swapped_at) and time.monotonic() < deadline:
                time.sleep(0.05)


def _transactions_older_than(cursor: Cursor[Any], instant: Any) -> bool:
    """Whether another session of this database is in a transaction that began before `instant`."""
    return bool(
        cursor.execute(
            "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND xact_start < %s LIMIT 1",
            (instant,),
        ).fetchone()
    )
