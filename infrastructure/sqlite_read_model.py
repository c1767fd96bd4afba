"""The read model on SQLite: the SQL of read_model_sql.py in the library's SQLite recorder."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from eventsourcing.sqlite import SQLiteCursor, SQLiteTrackingRecorder

from infrastructure.read_model_sql import SQLReadModel
from infrastructure.sql_dialect import SQLITE, TranslatingCursor


class SQLiteReadModel(SQLiteTrackingRecorder, SQLReadModel):
    dialect = SQLITE
    tracking_table_name = "tracking"

    def _create_table(self, c: SQLiteCursor) -> None:
        super()._create_table(c)
        self._create_read_model(self._cursor(c))

    @contextmanager
    def _transaction(self, *, commit: bool) -> Iterator[TranslatingCursor]:
        # A read transaction on SQLite reads one snapshot of the file until it ends, the tables
        # a swap replaced and dropped meanwhile included.
        with self.datastore.transaction(commit=commit) as c:
            yield self._cursor(c)
