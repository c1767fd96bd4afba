"""The row operations of one projection batch, gathered in memory and sent a table at a time.

Writing row by row cost a statement each (on PostgreSQL a round trip each), and every write that
needed the current row of its case (the term to move the per-day counts, the member's state to
advance) read it again. A batch instead reads the current rows of the cases it continues once,
per table (the cases it opens have none), keeps them in memory as its events change them, and
sends what changed with one `executemany` per table and kind of statement: supersessions first,
then new rows, then the per-day counts, netted per day. The rows are the ones writing event by
event left, which the tests compare (`dump()`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from application.projections import (
    CaseOpenedRow,
    MemberFactRow,
    MemberRow,
    PermitRow,
    Row,
    SponsorRow,
    TermRow,
)
from infrastructure.sql_dialect import TranslatingCursor

# The tables whose rows a correction supersedes, by the columns that name one row's timeline.
KEYS: dict[str, tuple[str, ...]] = {
    "rm_sponsors": ("case_id",),
    "rm_terms": ("case_id",),
    "rm_members": ("case_id", "member_id"),
    "rm_member_states": ("case_id", "member_id"),
}
# What a batch reads of the current rows: the keys, and what the writes go on from.
CURRENT_COLUMNS = {
    "rm_sponsors": "case_id",
    "rm_terms": "case_id, granted_on, term_ends_on",
    "rm_members": "case_id, member_id",
    "rm_member_states": "*",
}
# The tables whose current rows each kind of row goes on from.
READS: dict[type[Row], tuple[str, ...]] = {
    SponsorRow: ("rm_sponsors",),
    TermRow: ("rm_terms",),
    MemberRow: ("rm_members", "rm_member_states"),
    MemberFactRow: ("rm_member_states",),
    PermitRow: ("rm_member_states",),
}
CASES_PER_READ = 500
Key = tuple[Any, ...]


def current_rows_sql(table: str, values: str) -> str:
    """The current rows of the cases `values` names (the dialect's list, `Dialect.any_of`):
    found by case_id, from the primary key or the table's partial index of current rows."""
    return (
        f"SELECT {CURRENT_COLUMNS[table]} FROM {table} "
        f"WHERE case_id {values} AND superseded_at IS NULL"
    )


class RowWrites:
    """The writes of one batch, in the transaction of cursor `c`, sent by `flush`."""

    def __init__(self, c: TranslatingCursor, rows: Sequence[Row]) -> None:
        self.c = c
        self.current: dict[str, dict[Key, dict[str, Any]]] = {table: {} for table in KEYS}
        self.stored: set[tuple[str, Key]] = set()  # current rows that are in the store
        self.inserts: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.superseded: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
        self.day_deltas: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        self._read_current(rows)

    def _read_current(self, rows: Sequence[Row]) -> None:
        """The current rows of every case the batch continues, a query per table (a case the
        batch opens has none yet)."""
        opened = {row.case_id for row in rows if isinstance(row, CaseOpenedRow)}
        wanted: dict[str, set[str]] = defaultdict(set)
        for row in rows:
            if row.case_id not in opened:
                for table in READS.get(type(row), ()):
                    wanted[table].add(row.case_id)
        for table, case_ids in wanted.items():
            for chunk in _chunks(sorted(case_ids), CASES_PER_READ):
                values, params = self.c.dialect.any_of(chunk)
                self.c.execute(current_rows_sql(table, values), params)
                for record in self.c.fetchall():
                    self._remember_stored(table, dict(record))

    def _remember_stored(self, table: str, row: dict[str, Any]) -> None:
        key = tuple(row[column] for column in KEYS[table])
        self.current[table][key] = row
        self.stored.add((table, key))

    def current_row(self, table: str, key: Key) -> dict[str, Any] | None:
        """The row of `key` as known after the rows written so far (None: none yet)."""
        return self.current[table].get(key)

    def record(self, table: str, key: dict[str, Any], values: dict[str, Any], at: str) -> None:
        """A row known from `at` on, superseding the current row of the same `key` (if any)."""
        timeline = tuple(key.values())
        old = self.current[table].get(timeline)
        if old is not None:
            if (table, timeline) in self.stored:
                self.superseded[table].append((at, *timeline))
                self.stored.discard((table, timeline))
            else:
                old["superseded_at"] = at  # still to be inserted
        row = {**key, **values, "recorded_at": at, "superseded_at": None}
        self.inserts[table].append(row)
        self.current[table][timeline] = row

    def insert(self, table: str, row: dict[str, Any]) -> None:
        """A row no later row supersedes."""
        self.inserts[table].append(row)

    def move_day(self, day: str, column: str, delta: int) -> None:
        """Add `delta` to the count of `column` ("granted" or "ended") of `day`."""
        self.day_deltas[day][0 if column == "granted" else 1] += delta

    def flush(self) -> None:
        """Send every write gathered so far; the rows written count as stored from now on."""
        for table, timelines in self.superseded.items():
            match = " AND ".join(f"{column} = ?" for column in KEYS[table])
            self.c.executemany(
                f"UPDATE {table} SET superseded_at = ? WHERE {match} AND superseded_at IS NULL",
                timelines,
            )
        for table, rows in self.inserts.items():
            for columns, values in _by_columns(rows).items():
                marks = ", ".join("?" * len(columns))
                self.c.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", values
                )
        self._flush_days()
        self.stored.update((table, key) for table, rows in self.current.items() for key in rows)
        self.superseded.clear()
        self.inserts.clear()

    def _flush_days(self) -> None:
        """The per-day counts, netted per day: a day that counts nothing is removed (as writing
        each change, or a rebuild, would leave it); a day whose changes cancel out is left."""
        changed = [(day, *deltas) for day, deltas in self.day_deltas.items() if any(deltas)]
        self.day_deltas.clear()
        if not changed:
            return
        self.c.executemany(
            "INSERT INTO rm_term_days (day, granted, ended) VALUES (?, ?, ?) "
            "ON CONFLICT (day) DO UPDATE SET granted = rm_term_days.granted + excluded.granted, "
            "ended = rm_term_days.ended + excluded.ended",
            changed,
        )
        self.c.executemany(
            "DELETE FROM rm_term_days WHERE day = ? AND granted = 0 AND ended = 0",
            [(day,) for day, *_ in changed],
        )


def _chunks(values: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _by_columns(rows: list[dict[str, Any]]) -> dict[tuple[str, ...], list[tuple[Any, ...]]]:
    """The rows' values, grouped by the columns they give (one INSERT statement each)."""
    grouped: dict[tuple[str, ...], list[tuple[Any, ...]]] = defaultdict(list)
    for row in rows:
        grouped[tuple(row)].append(tuple(row.values()))
    return grouped
