"""The key table of a store: the keys that encrypt its data, each wrapped by the master key.

`nareis_keys` holds a row per key: `name` ("store" for the store key, "case/CASE_ID" for a case's
own key), `wrapped_by` (the master key's id, or "clear" in a store without an encryption key), the
wrapped `key`, and `erased_at` (the key was destroyed then: `key` is NULL, the row stays, so that
no key is ever made again for an erased case). The table lives beside the events, in the same
database, and is created with them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from infrastructure.sql_dialect import Dialect

CREATE_KEYS = (
    "CREATE TABLE IF NOT EXISTS nareis_keys (name TEXT PRIMARY KEY, wrapped_by TEXT NOT NULL, "
    "key BLOB, erased_at TEXT) WITHOUT ROWID"
)
STORE_KEY = "store"
CLEAR = "clear"  # `wrapped_by` of a store without an encryption key


@dataclass(frozen=True)
class KeyRow:
    name: str
    wrapped_by: str
    key: bytes | None = field(default=None, repr=False)
    erased_at: str | None = None


def _row(found: Any) -> KeyRow | None:
    if found is None:
        return None
    key = found["key"]
    return KeyRow(
        found["name"],
        found["wrapped_by"],
        bytes(key) if key is not None else None,
        found["erased_at"],
    )


def _rows(cursor: Any) -> list[KeyRow]:
    return [r for found in cursor.fetchall() if (r := _row(found)) is not None]


_INSERT = (
    "INSERT INTO nareis_keys (name, wrapped_by, key, erased_at) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (name) "
)
KEEP_FIRST = _INSERT + "DO NOTHING"
REPLACE = (
    _INSERT + "DO UPDATE SET wrapped_by = excluded.wrapped_by, key = excluded.key, "
    "erased_at = excluded.erased_at"
)
NAMES_A_QUERY = 1000


class KeyTable:
    """Reads and writes the key table through a recorder's datastore, in its dialect."""

    def __init__(self, datastore: Any, dialect: Dialect) -> None:
        self.datastore = datastore
        self.dialect = dialect

    def row(self, name: str) -> KeyRow | None:
        with self.datastore.transaction(commit=False) as c:
            return self.row_in(c, name)

    def row_in(self, c: Any, name: str) -> KeyRow | None:
        c.execute(self._sql("SELECT * FROM nareis_keys WHERE name = ?"), (name,))
        return _row(c.fetchone())

    def insert_if_absent(self, row: KeyRow) -> KeyRow:
        """`row`, or the row of that name another process inserted first."""
        [found] = self.insert_all_if_absent([row])
        return found

    def insert_all_if_absent(self, rows: Sequence[KeyRow]) -> list[KeyRow]:
        """`rows`, each unless a row of its name was there first (then that one), in one
        transaction."""
        with self.datastore.transaction(commit=True) as c:
            self._write(c, KEEP_FIRST, rows)
            found = {row.name: row for row in self._rows_named_in(c, [row.name for row in rows])}
        return [found[row.name] for row in rows if row.name in found]

    def rows_named(self, names: Sequence[str]) -> list[KeyRow]:
        """The rows of `names` that exist, in one query (per NAMES_A_QUERY names)."""
        with self.datastore.transaction(commit=False) as c:
            return self._rows_named_in(c, names)

    def _rows_named_in(self, c: Any, names: Sequence[str]) -> list[KeyRow]:
        found: list[KeyRow] = []
        for first in range(0, len(names), NAMES_A_QUERY):
            condition, params = self.dialect.any_of(names[first : first + NAMES_A_QUERY])
            c.execute(self._sql(f"SELECT * FROM nareis_keys WHERE name {condition}"), params)
            found += _rows(c)
        return found

    def rows_after(self, name: str, limit: int) -> list[KeyRow]:
        """The rows whose name sorts after `name`, in name order (to copy them page by page)."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                self._sql("SELECT * FROM nareis_keys WHERE name > ? ORDER BY name LIMIT ?"),
                (name, limit),
            )
            return _rows(c)

    def put(self, rows: Iterable[KeyRow]) -> None:
        """Write `rows`, replacing rows of the same names (a copy into an empty store)."""
        with self.datastore.transaction(commit=True) as c:
            self._write(c, REPLACE, list(rows))

    def _write(self, c: Any, sql: str, rows: Sequence[KeyRow]) -> None:
        c.executemany(self._sql(sql), [(r.name, r.wrapped_by, r.key, r.erased_at) for r in rows])

    def rewrap(self, rewrapped: Callable[[KeyRow], KeyRow]) -> int:
        """Every row that holds a key replaced by `rewrapped(row)`, in one transaction; how many."""
        with self.datastore.transaction(commit=True) as c:
            c.execute(self._sql("SELECT * FROM nareis_keys WHERE key IS NOT NULL ORDER BY name"))
            rows = _rows(c)
            for row in rows:
                new = rewrapped(row)
                c.execute(
                    self._sql("UPDATE nareis_keys SET wrapped_by = ?, key = ? WHERE name = ?"),
                    (new.wrapped_by, new.key, row.name),
                )
        return len(rows)

    def erase_in(self, c: Any, name: str, erased_at: str) -> None:
        """Destroy the key of row `name` in the transaction of cursor `c`: its bytes overwritten
        where they lie (SQLite rewrites a cell of the same size in place), then removed."""
        for statement in self.dialect.before_erasing:
            c.execute(statement)
        row = self.row_in(c, name)
        if row is not None and row.key is not None:
            c.execute(
                self._sql("UPDATE nareis_keys SET key = ? WHERE name = ?"),
                (bytes(len(row.key)), name),
            )
        c.execute(
            self._sql(
                "INSERT INTO nareis_keys (name, wrapped_by, key, erased_at) VALUES (?, ?, NULL, ?) "
                "ON CONFLICT (name) DO UPDATE SET key = NULL, erased_at = excluded.erased_at"
            ),
            (name, row.wrapped_by if row else CLEAR, erased_at),
        )

    def clear_traces(self) -> None:
        """After an erasure has committed: what the store keeps beside its tables."""
        clear_erased_traces(self.datastore, self.dialect)

    def _sql(self, sql: str) -> str:
        return self.dialect.query(sql)


def clear_erased_traces(datastore: Any, dialect: Dialect, attempts: int = 5) -> None:
    """After a transaction that erased data has committed: the store's `after_erasing` (SQLite:
    copy the write-ahead log, which still holds the pages as they were, into the file and empty
    it; tried again while a reader holds an older snapshot)."""
    if not dialect.after_erasing:
        return
    for _attempt in range(attempts):
        with datastore.get_connection(commit=True) as connection:
            cursor = connection.cursor()
            busy = False
            for statement in dialect.after_erasing:
                cursor.execute(statement)
                found = cursor.fetchone()
                busy = busy or bool(found and found[0])
        if not busy:
            return
        time.sleep(0.1)
