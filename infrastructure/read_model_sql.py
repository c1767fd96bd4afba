"""The read model in SQL: effective-dated tables, written with the tracking position in one
transaction, queried with `as_of` and `known_at` as plain indexed filters.

The SQL is written once, in the dialect both SQLite and PostgreSQL speak; what differs between the
two stores (placeholders, text collation, scratch tables, how to find the tables) is a `Dialect`,
and each store's recorder (sqlite_read_model.py, postgres_read_model.py) only says how to open a
transaction and create its tables.

A row is known from `recorded_at` until `superseded_at`, the instant a correction replaced it (NULL
while no correction has). No instant is reserved as a marker, so every `known_at` a caller can send
means what it says. Instants are stored as fixed-width UTC text, so text order is time order.
`rm_meta` holds the schema version (an older read model is dropped and rebuilt from the events) and
the fingerprint of the calendar and policy data the derived dates were derived with.

The tables exist in two sets, `rm_*` and `rm_b_*`; `rm_meta` names the one that is the read model
(`TableSet`), and SQL is written with the first set's names. `nareis rebuild` projects the whole log
into the other set while the read model keeps serving and being projected, then swaps them by
changing that one row (`swap_in_spare`): a reader's transaction reads the row and the tables it names in
one snapshot, so it sees the old model or the new, never a part of one, on either store.

`rm_meta` also holds the fingerprint of the keys the read model's personal text is kept under
(`PersonalText`: names encrypted and V-numbers as keyed digests in a store with an encryption key,
as they are without one); a read model kept under other keys is dropped and rebuilt.
"""

from __future__ import annotations

import copy
import logging
import re
from abc import abstractmethod
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any, Protocol

from eventsourcing.persistence import PersistenceError, Tracking

from application.projections import (
    CaseListFilter,
    CaseListing,
    CaseListPage,
    Caseload,
    CaseOpenedRow,
    Derivation,
    DerivedWithOtherData,
    ErasureRow,
    FindingRow,
    MemberFactRow,
    MemberRow,
    PageKey,
    PermitRow,
    Progress,
    ReadModelView,
    Row,
    SponsorRow,
    TermRow,
)
from domain.term import PERMIT_READY_TARGET_DAYS
from domain.vocabulary import Stage
from infrastructure import caseload_days
from infrastructure.key_table import clear_erased_traces
from infrastructure.keyring import ClearText
from infrastructure.read_model_writes import RowWrites
from infrastructure.sql_dialect import SCAN_HINT, Dialect, TranslatingCursor

# Raise when a table or its meaning changes: a read model of another version is dropped and
# rebuilt from the events (the projection's tracking position is reset with it).
SCHEMA_VERSION = "6"
SCHEMA, DERIVED_WITH, LIVE_TABLES = "schema_version", "derived_with", "tables"
TEXT_KEPT = "personal_text"
TABLE_PREFIXES = {"a": "rm_", "b": "rm_b_"}  # the two sets of tables; "a" until a rebuild
SPARE_OF = {"a": "b", "b": "a"}
SET_TABLE_NAME = re.compile(r"\brm_(?!meta\b)")  # every read-model name but rm_meta's

log = logging.getLogger("nareis.read_model")
# The days of the terms that became known (+1), or stopped being known (-1: superseded), after
# :latest and by :mark; a term superseded before it was recorded was never known.
_EVER_KNOWN = "(superseded_at IS NULL OR superseded_at > recorded_at)"
TERM_DAYS_KNOWN_BETWEEN = " UNION ALL ".join(
    f"SELECT {day}, {granted}, {ended} FROM rm_terms WHERE {instant} > :latest "
    f"AND {instant} <= :mark AND {_EVER_KNOWN}"
    for instant, sign in (("recorded_at", 1), ("superseded_at", -1))
    for day, granted, ended in (("granted_on", sign, 0), ("term_ends_on", 0, sign))
)
STAGES = tuple(str(stage) for stage in Stage)  # each is a WHEN of member_stage, below
KNOWN = "recorded_at TEXT NOT NULL, superseded_at TEXT"

META = (
    "CREATE TABLE IF NOT EXISTS rm_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID"
)
# Each member's procedure, one row per change with every fact side by side, so "every member as of
# D, as known at K" is one scan with no pivot. A fact counts from its business date on.
STATE_COLUMNS = {
    "application": ("submitted_on", "due_on", "extended_due_on"),
    "arrival": ("arrived_on",),
    "decision": ("decided_on", "decision"),
    "permit": ("issued_on", "permit_within_target"),
    "withdrawal": ("withdrawn_on",),
    "extension": ("extended_on",),
}
INTEGER_STATE_COLUMNS = frozenset({"permit_within_target"})
TABLES = {
    "rm_cases": "CREATE TABLE IF NOT EXISTS rm_cases (case_id TEXT PRIMARY KEY, "
    "opened_at TEXT NOT NULL)",
    "rm_sponsors": "CREATE TABLE IF NOT EXISTS rm_sponsors (case_id TEXT NOT NULL, "
    f"version INTEGER NOT NULL, {KNOWN}, v_number TEXT, name TEXT, "
    "arrived_on TEXT NOT NULL, PRIMARY KEY (case_id, version)) WITHOUT ROWID",
    "rm_terms": "CREATE TABLE IF NOT EXISTS rm_terms (case_id TEXT NOT NULL, "
    f"version INTEGER NOT NULL, {KNOWN}, granted_on TEXT NOT NULL, term_ends_on TEXT NOT NULL, "
    "PRIMARY KEY (case_id, version)) WITHOUT ROWID",
    "rm_members": "CREATE TABLE IF NOT EXISTS rm_members (case_id TEXT NOT NULL, "
    f"member_id TEXT NOT NULL, version INTEGER NOT NULL, {KNOWN}, name TEXT, "
    "relationship TEXT NOT NULL, v_number TEXT, PRIMARY KEY (case_id, member_id, version)) "
    "WITHOUT ROWID",
    "rm_member_states": "CREATE TABLE IF NOT EXISTS rm_member_states (case_id TEXT NOT NULL, "
    f"member_id TEXT NOT NULL, version INTEGER NOT NULL, {KNOWN}, "
    + ", ".join(
        f"{column} {'INTEGER' if column in INTEGER_STATE_COLUMNS else 'TEXT'}"
        for columns in STATE_COLUMNS.values()
        for column in columns
    )
    + ", PRIMARY KEY (case_id, member_id, version)) WITHOUT ROWID",
    "rm_findings": "CREATE TABLE IF NOT EXISTS rm_findings (case_id TEXT NOT NULL, "
    "member_id TEXT NOT NULL, version INTEGER NOT NULL, recorded_at TEXT NOT NULL, "
    "assessed_on TEXT NOT NULL, outcome TEXT NOT NULL, "
    "PRIMARY KEY (case_id, member_id, version)) WITHOUT ROWID",
    # Per-day counts of the current terms: deadline counts as known now cost days, not cases.
    "rm_term_days": "CREATE TABLE IF NOT EXISTS rm_term_days (day TEXT PRIMARY KEY, "
    "granted INTEGER NOT NULL DEFAULT 0, ended INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID",
    **caseload_days.TABLES,  # per-day sums of the caseload as known now
    # Marks: the number of cases and the per-day counts of terms as known at an instant (`mark`),
    # taken every `SQLReadModel.changes_per_mark` changes, so that counts as known at any instant
    # cost the days and the changes since the mark before it, not the cases (`_counts_known_at`).
    "rm_marks": "CREATE TABLE IF NOT EXISTS rm_marks (mark TEXT PRIMARY KEY, "
    "cases INTEGER NOT NULL) WITHOUT ROWID",
    "rm_mark_days": "CREATE TABLE IF NOT EXISTS rm_mark_days (mark TEXT NOT NULL, "
    "day TEXT NOT NULL, granted INTEGER NOT NULL DEFAULT 0, ended INTEGER NOT NULL DEFAULT 0, "
    "PRIMARY KEY (mark, day)) WITHOUT ROWID",
    # One row: how many changes (cases opened, terms recorded) came since the latest mark, and
    # that mark (so that a change costs one statement more while no mark is due).
    "rm_changes": "CREATE TABLE IF NOT EXISTS rm_changes (id INTEGER PRIMARY KEY, "
    "since_mark INTEGER NOT NULL, latest_mark TEXT, latest_change TEXT)",
}
INDEXES = (
    "CREATE INDEX IF NOT EXISTS rm_cases_opened ON rm_cases (opened_at, case_id)",
    # superseded_at (always NULL here) makes the index covering for SQLite, which does not count
    # a partial index's WHERE column as held: a listing's seek then reads no table row.
    "CREATE INDEX IF NOT EXISTS rm_terms_current ON rm_terms "
    "(case_id, granted_on, term_ends_on, superseded_at) WHERE superseded_at IS NULL",
    "CREATE INDEX IF NOT EXISTS rm_terms_known ON rm_terms "
    "(recorded_at, superseded_at, granted_on, term_ends_on)",
    # The corrected terms by when they were superseded (for the changes since a mark).
    "CREATE INDEX IF NOT EXISTS rm_terms_superseded ON rm_terms "
    "(superseded_at, recorded_at, granted_on, term_ends_on) WHERE superseded_at IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS rm_members_v_number ON rm_members (v_number)",
    # One current state per member, found without walking the member's timeline.
    "CREATE UNIQUE INDEX IF NOT EXISTS rm_member_states_current ON rm_member_states "
    "(case_id, member_id) WHERE superseded_at IS NULL",
)


def sortable_instant(instant: datetime) -> str:
    """UTC, microseconds, fixed width: text order is time order."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def known(alias: str, known_at: datetime | None) -> str:
    """The rows of `alias` known at :k: recorded by then and not superseded by then. As known now,
    the rows no correction has superseded."""
    if known_at is None:
        return f"{alias}.superseded_at IS NULL"
    return (
        f"{alias}.recorded_at <= :k "
        f"AND ({alias}.superseded_at IS NULL OR {alias}.superseded_at > :k)"
    )


def recorded(alias: str, known_at: datetime | None) -> str:
    """The rows of a table that is never corrected, recorded by :k."""
    return "TRUE" if known_at is None else f"{alias}.recorded_at <= :k"


def scanned(condition: str) -> str:
    """`condition` marked for a store that would otherwise choose an index for it: reading every
    member, a scan of the table in page order beats looking each current row up from the partial
    index on SQLite (0.7 s against 0.9-1.3 s at 100,000 cases); see `Dialect.query`."""
    return condition.replace("s.superseded_at IS NULL", f"{SCAN_HINT}s.superseded_at IS NULL")


def count_if(condition: str) -> str:
    """How many rows meet `condition` (0 for none), in SQL both stores take."""
    return f"COALESCE(SUM(CASE WHEN {condition} THEN 1 ELSE 0 END), 0)"


def flag(condition: str) -> str:
    return f"CASE WHEN {condition} THEN 1 ELSE 0 END"


def member_states(known_at: datetime | None) -> str:
    """Every member as of :d, as known at :k: one row per member, with its stage, its case's term
    and its sponsor's arrival."""
    return f"""
member_state AS (
  SELECT s.case_id, s.member_id,
    CASE WHEN s.submitted_on <= :d THEN s.submitted_on END AS submitted_on,
    s.due_on, s.extended_due_on,
    CASE WHEN s.arrived_on <= :d THEN s.arrived_on END AS arrived_on,
    CASE WHEN s.decided_on <= :d THEN s.decision END AS decision,
    CASE WHEN s.decided_on <= :d THEN s.decided_on END AS decided_on,
    {flag("s.issued_on <= :d")} AS permit,
    CASE WHEN s.issued_on <= :d THEN s.permit_within_target ELSE 0 END AS within_target,
    {flag("s.withdrawn_on <= :d")} AS withdrawn,
    {flag("s.extended_on <= :d")} AS extended
  FROM rm_member_states s
  WHERE {scanned(known("s", known_at))}
),
member_stage AS (
  SELECT s.*,
    CASE WHEN s.withdrawn = 1 THEN 'withdrawn'
         WHEN s.permit = 1 THEN 'permit_issued'
         WHEN s.decision = 'granted' THEN 'granted'
         WHEN s.decision = 'refused' THEN 'refused'
         WHEN s.submitted_on IS NOT NULL THEN 'applied'
         ELSE 'registered' END AS stage
  FROM member_state s
),
member_term AS (
  SELECT s.*, t.term_ends_on, sp.arrived_on AS sponsor_arrived_on
  FROM member_stage s
  JOIN rm_sponsors sp ON sp.case_id = s.case_id AND {known("sp", known_at)}
  LEFT JOIN rm_terms t ON t.case_id = s.case_id AND {known("t", known_at)} AND t.granted_on <= :d
)
"""


def excusable(known_at: datetime | None) -> str:
    """The member's `late_application_excusable` finding that counts on :d is met: the latest
    `assessed_on`, ties broken by the later recorded (DOMAIN.md, Rules and Settled questions)."""
    return f"""COALESCE((
    SELECT f.outcome = 'met' FROM rm_findings f
    WHERE f.case_id = s.case_id AND f.member_id = s.member_id AND {recorded("f", known_at)}
      AND f.assessed_on <= :d
    ORDER BY f.assessed_on DESC, f.version DESC LIMIT 1), FALSE)"""


def route_regular(known_at: datetime | None) -> str:
    """`timely` is not_met (domain/rules.py `timely`): not arrived with or before the sponsor, a
    grant on or before :d, and either an application after the term's end whose lateness is not
    excusable, or none once the term has expired. An application before any grant is timely.
    Never NULL, so that NOT of it is the nareis route."""
    return f"""
  (s.arrived_on IS NULL OR s.arrived_on > s.sponsor_arrived_on)
  AND s.term_ends_on IS NOT NULL
  AND CASE WHEN s.submitted_on IS NULL THEN :d > s.term_ends_on
           ELSE s.submitted_on > s.term_ends_on AND NOT {excusable(known_at)} END
"""


STATUS = (
    "CASE WHEN t.case_id IS NULL THEN 'awaiting_grant' "
    "WHEN t.term_ends_on >= :d THEN 'open' ELSE 'expired' END"
)


@lru_cache(maxsize=1024)
def named_in(sql: str, prefix: str) -> str:
    """`sql`, written with the first set's names, naming the tables of the set of `prefix`."""
    return sql if prefix == TABLE_PREFIXES["a"] else SET_TABLE_NAME.sub(prefix, sql)


class TableSet:
    """Names the tables a transaction works on: the read model's set, or the spare one (to
    rebuild into). The set is read from `rm_meta` when the first statement naming a table is
    translated, so a transaction can still write (take its lock) before it reads."""

    def __init__(self, raw: Any, dialect: Dialect, spare: bool) -> None:
        self.raw, self.dialect, self.spare = raw, dialect, spare
        self.prefix: str | None = None

    def __call__(self, sql: str) -> str:
        if not SET_TABLE_NAME.search(sql):
            return sql
        if self.prefix is None:
            self.prefix = TABLE_PREFIXES[self.name()]
        return named_in(sql, self.prefix)

    def name(self) -> str:
        self.raw.execute(
            self.dialect.query("SELECT value FROM rm_meta WHERE key = ?"), (LIVE_TABLES,)
        )
        row = self.raw.fetchone()
        live = row[0] if row else "a"
        return SPARE_OF[live] if self.spare else live


class PersonalText(Protocol):
    """How the read model keeps names and V-numbers (`infrastructure/keyring.py`)."""

    fingerprint: str

    def name(self, name: str) -> str: ...

    def name_read(self, stored: str) -> str: ...

    def v_number(self, v_number: str) -> str: ...


@dataclass(frozen=True)
class Listed:
    """The cases a listing shows: those of `conditions` (on the case `c` and its term `t`)."""

    where: CaseListFilter
    known_at: datetime | None
    conditions: list[str]

    def sql(self, columns: str, conditions: list[str], terms: bool) -> str:
        """`columns` of the cases meeting `conditions`, in listing order (`terms`: with the
        case's term joined as `t`)."""
        prefix = (
            "WITH " + member_states(self.known_at) if self.where.on_members else ""
        )
        joined = (
            "LEFT JOIN rm_terms t ON t.case_id = c.case_id "
            f"AND {known('t', self.known_at)} AND t.granted_on <= :d "
            if terms
            else ""
        )
        return (
            f"{prefix} SELECT {columns} FROM rm_cases c {joined}"
            + (f"WHERE {' AND '.join(conditions)} " if conditions else "")
            + "ORDER BY c.opened_at, c.case_id "
        )


class SQLReadModel(ReadModelView):
    """The read model's writes and queries, for any store that gives a `Dialect`, transactions
    (`_transaction`) and the library's `_insert_tracking` on the same cursor."""

    dialect: Dialect
    tracking_table_name: str
    is_spare = False  # a view of the spare tables, to rebuild into (`spare`)
    text: PersonalText = ClearText()

    def keep_personal_text(self, text: PersonalText) -> None:
        """Keep names and V-numbers as `text` does from now on; a read model kept otherwise (no
        record of it: in clear) is dropped, and rebuilt from the events."""
        self.text = text
        if self._text_kept() == text.fingerprint:
            return  # the common case, with no write
        with self._transaction(commit=True) as c:
            self._take_write_lock(c)  # two processes starting at once take turns
            if (self._meta(c, TEXT_KEPT) or ClearText.fingerprint) != text.fingerprint:
                self._reset(c)

    def _text_kept(self) -> str:
        with self._transaction(commit=False) as c:
            return self._meta(c, TEXT_KEPT) or ClearText.fingerprint

    @abstractmethod
    def _transaction(self, *, commit: bool) -> AbstractContextManager[TranslatingCursor]:
        """A transaction; one that does not commit reads one state of the store throughout."""

    @abstractmethod
    def _insert_tracking(self, c: Any, tracking: Tracking) -> None: ...

    def _cursor(self, raw: Any) -> TranslatingCursor:
        """The store's cursor taking Nareis's SQL, on this view's set of tables."""
        return TranslatingCursor(raw, self.dialect, TableSet(raw, self.dialect, self.is_spare))

    def _wait_for_readers_of_replaced_tables(self) -> None:
        """After a swap, until no reader can still be reading the replaced tables (a store whose
        readers keep their snapshot's tables, as SQLite's do, need not wait)."""

    def _create_read_model(self, c: TranslatingCursor) -> None:
        """The tables of this schema version (after dropping those of another version)."""
        c.execute(self.dialect.ddl(META))
        if self._meta(c, SCHEMA) != SCHEMA_VERSION:
            self._reset(c)
        for statement in (*TABLES.values(), *INDEXES):
            c.execute(self.dialect.ddl(statement))

    def _reset(self, c: TranslatingCursor) -> None:
        """Empty tables of this schema version and no tracking position: the projection then
        rebuilds the read model from the first event. Dropping frees the pages at once; deleting
        millions of rows one by one fills the write-ahead log instead."""
        c.execute(
            f"SELECT name FROM ({self.dialect.tables_catalog}) AS catalog "
            "WHERE name LIKE 'rm\\_%' ESCAPE '\\' AND name != 'rm_meta'"
        )
        for (table,) in c.fetchall():  # both sets, and tables of older schema versions
            c.execute_verbatim(f"DROP TABLE {table}")
        c.execute("DELETE FROM rm_meta")  # the first set is the read model's again
        for statement in (*TABLES.values(), *INDEXES):
            c.execute(self.dialect.ddl(statement))
        c.execute(
            f"DELETE FROM {self.tracking_table_name} WHERE application_name != ?",
            (self.table_migration_identifier,),
        )
        self._set_meta(c, SCHEMA, SCHEMA_VERSION)
        if self.text.fingerprint != ClearText.fingerprint:
            self._set_meta(c, TEXT_KEPT, self.text.fingerprint)

    @staticmethod
    def _meta(c: TranslatingCursor, key: str) -> str | None:
        c.execute("SELECT value FROM rm_meta WHERE key = ?", (key,))
        row = c.fetchone()
        return row[0] if row else None

    @staticmethod
    def _set_meta(c: TranslatingCursor, key: str, value: str) -> None:
        c.execute(
            "INSERT INTO rm_meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    # --- writing --------------------------------------------------------------------------------

    def apply(self, rows: Sequence[Row], tracking: Tracking, derived_with: str) -> None:
        erasing = any(isinstance(row, ErasureRow) for row in rows)
        with self._transaction(commit=True) as c:
            self._take_write_lock(c)
            if not self.is_spare:  # a rebuild's rows are derived with one process's data
                self._check_derived_with(c, derived_with)
            for statement in self.dialect.before_erasing if erasing else ():
                c.raw.execute(statement)
            writes = RowWrites(c, rows)
            for row in rows:
                self._WRITES[type(row)](self, writes, row, sortable_instant(row.recorded_at))
            writes.flush()
            caseload_days.refresh(c, rows)  # reads the states the batch has just written
            self._keep_marks(c, rows)
            self._insert_tracking(c.raw, tracking)
        if erasing:
            clear_erased_traces(self.datastore, self.dialect)

    def _take_write_lock(self, c: TranslatingCursor) -> None:
        """Write before reading: a SQLite transaction that read first cannot write once another
        process has committed (SQLITE_BUSY_SNAPSHOT, which waits for no timeout); one that writes
        first waits its turn. On PostgreSQL it locks the meta row against a re-derivation."""
        c.execute("UPDATE rm_meta SET value = value WHERE key = ?", (SCHEMA,))

    def _check_derived_with(self, c: TranslatingCursor, derived_with: str) -> None:
        recorded_with = self._meta(c, DERIVED_WITH)
        if recorded_with is None:
            self._set_meta(c, DERIVED_WITH, derived_with)
        elif recorded_with != derived_with:
            raise DerivedWithOtherData(recorded_with, derived_with)

    # One write per kind of row, each known from `at` (the row's recorded_at as stored), into
    # the batch's `RowWrites`, which sends them when the batch is complete.

    def _open_case(self, w: RowWrites, row: CaseOpenedRow, at: str) -> None:
        w.insert("rm_cases", {"case_id": row.case_id, "opened_at": at})

    def _record_sponsor(self, w: RowWrites, row: SponsorRow, at: str) -> None:
        values = {"version": row.version, **self._personal(row.name, row.v_number)}
        values["arrived_on"] = row.arrived_on.isoformat()
        self._record(w, "rm_sponsors", {"case_id": row.case_id}, values, at)

    def _record_term(self, w: RowWrites, row: TermRow, at: str) -> None:
        self._move_term_days(w, row)
        values = {"version": row.version, "granted_on": row.granted_on.isoformat()}
        values["term_ends_on"] = row.term_ends_on.isoformat()
        self._record(w, "rm_terms", {"case_id": row.case_id}, values, at)

    def _record_member(self, w: RowWrites, row: MemberRow, at: str) -> None:
        self._start_member_state(w, row, at)
        key = {"case_id": row.case_id, "member_id": row.member_id}
        values = {"version": row.version, **self._personal(row.name, row.v_number)}
        self._record(w, "rm_members", key, values | {"relationship": row.relationship}, at)

    def _personal(self, name: str | None, v_number: str | None) -> dict[str, str | None]:
        """A person's name and V-number as the read model keeps them (None: none, or erased)."""
        return {
            "name": None if name is None else self.text.name(name),
            "v_number": None if v_number is None else self.text.v_number(v_number),
        }

    def _erase_case(self, w: RowWrites, row: ErasureRow, at: str) -> None:
        w.flush()  # the rows written before the erasure are the ones it clears
        for table in ("rm_sponsors", "rm_members"):
            w.c.execute(
                f"UPDATE {table} SET name = NULL, v_number = NULL WHERE case_id = ?", (row.case_id,)
            )

    def _add_finding(self, w: RowWrites, row: FindingRow, at: str) -> None:
        key = {"case_id": row.case_id, "member_id": row.member_id, "version": row.version}
        values = {"recorded_at": at, "assessed_on": row.assessed_on.isoformat()}
        w.insert("rm_findings", key | values | {"outcome": row.outcome})

    @staticmethod
    def _record(
        w: RowWrites, table: str, key: dict[str, Any], values: dict[str, Any], at: str
    ) -> None:
        """A row known from `at` on, superseding the current row of the same `key` (if any)."""
        w.record(table, key, values, at)

    @staticmethod
    def _move_term_days(w: RowWrites, row: TermRow) -> None:
        """Keep the per-day counts of current terms: the corrected term's days lose one, the new
        term's days gain one; a day that counts nothing is removed (as a rebuild would have it)."""
        changes = [(row.granted_on.isoformat(), row.term_ends_on.isoformat(), 1)]
        old = w.current_row("rm_terms", (row.case_id,))
        if old is not None:
            changes.append((old["granted_on"], old["term_ends_on"], -1))
        for granted_on, term_ends_on, delta in changes:
            w.move_day(granted_on, "granted", delta)
            w.move_day(term_ends_on, "ended", delta)

    @staticmethod
    def _start_member_state(w: RowWrites, row: MemberRow, at: str) -> None:
        """A registration starts a member's state; a correction of details leaves it as it is."""
        key = {"case_id": row.case_id, "member_id": row.member_id}
        if w.current_row("rm_member_states", tuple(key.values())) is None:
            empty = dict.fromkeys(
                column for columns in STATE_COLUMNS.values() for column in columns
            )
            w.record("rm_member_states", key, {"version": row.version, **empty}, at)

    def _advance_member_state(self, w: RowWrites, row: MemberFactRow, at: str) -> None:
        """A member's fact: a new state row, the current one with this fact's columns changed."""
        key = {"case_id": row.case_id, "member_id": row.member_id}
        state = dict(w.current_row("rm_member_states", tuple(key.values())) or {})
        for column in (*key, "recorded_at", "superseded_at"):
            del state[column]
        state |= self._fact_columns(row, state) | {"version": row.version}
        self._record(w, "rm_member_states", key, state, at)

    @staticmethod
    def _fact_columns(row: MemberFactRow, state: dict[str, Any]) -> dict[str, Any]:
        business = row.business_date.isoformat()
        if row.fact == "application":
            return {
                "submitted_on": business,
                "due_on": _iso(row.due_on),
                "extended_due_on": _iso(row.extended_due_on),
            }
        if row.fact == "decision":
            return {"decided_on": business, "decision": row.value}
        if isinstance(row, PermitRow):
            within = row.within_target(date.fromisoformat(state["decided_on"]))
            return {"issued_on": business, "permit_within_target": int(within)}
        [column] = STATE_COLUMNS[row.fact]
        return {column: business}

    # --- marks: counts as known at an instant, in work bounded by the days and the changes ----

    changes_per_mark = 1000

    def _keep_marks(self, c: TranslatingCursor, rows: Sequence[Row]) -> None:
        """After a batch is written: count its changes (cases opened, terms recorded) that came
        out of order (at or before the latest mark) into the marks at or after their instants,
        so each mark stays the counts as known at its instant; then take the marks that fell due
        in the batch. Mark k is at the latest instant among the first k x `changes_per_mark`
        changes of the log, so the marks are the same however the log was cut into batches (an
        incremental projection, a rebuild and `replay --verify` agree)."""
        changes = [row for row in rows if isinstance(row, CaseOpenedRow | TermRow)]
        if not changes:
            return
        c.execute("INSERT INTO rm_changes (id, since_mark) VALUES (1, 0) ON CONFLICT (id) DO NOTHING")
        c.execute("SELECT since_mark, latest_mark, latest_change FROM rm_changes WHERE id = 1")
        since_mark, latest_mark, latest_change = c.fetchone()
        due: list[str] = []
        for row in changes:
            at = sortable_instant(row.recorded_at)
            if latest_mark is not None and at <= latest_mark:
                self._count_change_into_marks(c, row, at)
            latest_change = max(latest_change or at, at)
            since_mark += 1
            if since_mark == self.changes_per_mark:
                due, since_mark = [*due, latest_change], 0
        for mark in due:
            latest_mark = self._take_mark(c, latest_mark, mark)
        c.execute(
            "UPDATE rm_changes SET since_mark = ?, latest_mark = ?, latest_change = ? WHERE id = 1",
            (since_mark, latest_mark, latest_change),
        )

    def _count_change_into_marks(self, c: TranslatingCursor, row: Row, at: str) -> None:
        if isinstance(row, CaseOpenedRow):
            c.execute("UPDATE rm_marks SET cases = cases + 1 WHERE mark >= ?", (at,))
        elif isinstance(row, TermRow):
            for since, day, column, delta in self._term_day_changes(c, row, at):
                self._count_into_marks(c, since, day, column, delta)

    @staticmethod
    def _take_mark(c: TranslatingCursor, latest: str | None, mark: str) -> str | None:
        """The counts as known at `mark`, from those of the `latest` mark and the changes known
        between the two (so that a mark costs the changes since the last, not the cases); the
        latest mark after it (`latest` again if `mark` is no later)."""
        if latest is not None and mark <= latest:
            return latest
        span = {"mark": mark, "latest": latest or ""}
        c.execute(
            "INSERT INTO rm_marks (mark, cases) SELECT :mark, "
            "COALESCE((SELECT cases FROM rm_marks WHERE mark = :latest), 0) + (SELECT COUNT(*) "
            "FROM rm_cases WHERE opened_at > :latest AND opened_at <= :mark)",
            span,
        )
        c.execute(
            "INSERT INTO rm_mark_days (mark, day, granted, ended) "
            "SELECT :mark, day, SUM(granted), SUM(ended) FROM ("
            "SELECT day, granted, ended FROM rm_mark_days WHERE mark = :latest "
            f"UNION ALL {TERM_DAYS_KNOWN_BETWEEN}) AS days "
            "GROUP BY day HAVING SUM(granted) <> 0 OR SUM(ended) <> 0",
            span,
        )
        return mark

    @staticmethod
    def _term_day_changes(
        c: TranslatingCursor, term: TermRow, at: str
    ) -> list[tuple[str, str, str, int]]:
        """(from which instant, day, column, delta) of `term` recorded at `at`: its days gain one
        from `at` on; those of the term it superseded (the case's term whose `superseded_at` is
        `at`, once the batch is written) lose one from where they counted on (from its own
        instant, should it be later than `at`: a term superseded by then was never known)."""
        c.execute(
            "SELECT recorded_at, granted_on, term_ends_on FROM rm_terms "
            "WHERE case_id = ? AND superseded_at = ?",
            (term.case_id, at),
        )
        changes = [
            (at, term.granted_on.isoformat(), "granted", 1),
            (at, term.term_ends_on.isoformat(), "ended", 1),
        ]
        for recorded_at, granted_on, term_ends_on in c.fetchall():
            since = max(at, recorded_at)
            changes += [(since, granted_on, "granted", -1), (since, term_ends_on, "ended", -1)]
        return changes

    @staticmethod
    def _count_into_marks(
        c: TranslatingCursor, since: str, day: str, column: str, delta: int
    ) -> None:
        c.execute(
            f"INSERT INTO rm_mark_days (mark, day, {column}) SELECT mark, ?, ? FROM rm_marks "
            f"WHERE mark >= ? ON CONFLICT (mark, day) "
            f"DO UPDATE SET {column} = rm_mark_days.{column} + excluded.{column}",
            (day, delta, since),
        )
        c.execute(
            "DELETE FROM rm_mark_days WHERE mark >= ? AND day = ? AND granted = 0 AND ended = 0",
            (since, day),
        )

    _WRITES: dict[type[Row], Callable[..., None]] = {
        CaseOpenedRow: _open_case,
        SponsorRow: _record_sponsor,
        TermRow: _record_term,
        MemberRow: _record_member,
        FindingRow: _add_finding,
        MemberFactRow: _advance_member_state,
        PermitRow: _advance_member_state,
        ErasureRow: _erase_case,
    }

    # --- rebuilding beside the read model ---------------------------------------------------------

    def spare(self, tracked_as: str) -> SQLReadModel:
        """The spare set of tables, emptied, as a view tracked under `tracked_as` (not derived
        with any data until `swap_in_spare` says so)."""
        spare = copy.copy(self)
        spare.is_spare = True
        with spare._transaction(commit=True) as c:
            spare._take_write_lock(c)
            spare._drop_tables(c)
            for statement in (*TABLES.values(), *INDEXES):
                c.execute(self.dialect.ddl(statement))
            self._set_position(c, tracked_as, None)
        return spare

    def swap_in_spare(self, tracked_as: str, application_name: str, derived_with: str) -> bool:
        """The spare tables become the read model, in one transaction, tracked where the spare
        got to, unless the read model was projected further (False: catch the spare up first);
        then the replaced tables are dropped."""
        with self._transaction(commit=True) as c:
            self._take_write_lock(c)
            rebuilt_to = self._position(c, tracked_as)
            if (rebuilt_to or 0) < (self._position(c, application_name) or 0):
                return False
            live = TableSet(c.raw, self.dialect, spare=False).name()
            self._set_meta(c, LIVE_TABLES, SPARE_OF[live])
            self._set_meta(c, DERIVED_WITH, derived_with)
            self._set_position(c, application_name, rebuilt_to)
            self._set_position(c, tracked_as, None)
        self._wait_for_readers_of_replaced_tables()
        self._drop_replaced_tables()
        return True

    def _drop_replaced_tables(self) -> None:
        """The spare set (the replaced tables, after a swap), one table per transaction: a table
        an earlier reader still holds then waits alone. What cannot be dropped now is dropped
        when the next rebuild empties the spare set."""
        spare = copy.copy(self)
        spare.is_spare = True
        for table in TABLES:
            try:
                with spare._transaction(commit=True) as c:
                    if self.dialect.bounded_lock_wait:
                        c.execute(self.dialect.bounded_lock_wait)
                    c.execute(f"DROP TABLE IF EXISTS {table}")
            except PersistenceError as error:
                log.warning(
                    "the replaced table %s was left for the next rebuild (%s)", table, error
                )

    @staticmethod
    def _drop_tables(c: TranslatingCursor) -> None:
        for table in TABLES:
            c.execute(f"DROP TABLE IF EXISTS {table}")

    def _position(self, c: TranslatingCursor, application_name: str) -> int | None:
        c.execute(
            f"SELECT MAX(notification_id) FROM {self.tracking_table_name} "
            "WHERE application_name = ?",
            (application_name,),
        )
        return c.fetchone()[0]

    def _set_position(
        self, c: TranslatingCursor, application_name: str, position: int | None
    ) -> None:
        table = self.tracking_table_name
        c.execute(f"DELETE FROM {table} WHERE application_name = ?", (application_name,))
        if position is not None:
            c.execute(
                f"INSERT INTO {table} (application_name, notification_id) VALUES (?, ?)",
                (application_name, position),
            )

    # --- deriving again -------------------------------------------------------------------------

    def derived_with(self) -> str | None:
        with self._transaction(commit=False) as c:
            return self._meta(c, DERIVED_WITH)

    def rederive(self, derivation: Derivation, progress: Progress | None = None) -> bool:
        if self.derived_with() == derivation.fingerprint:
            return False  # the common case, with no write
        with self._transaction(commit=True) as c:
            # Write first: two processes starting at once take turns instead of both deriving.
            self._take_write_lock(c)
            derived_with = self._meta(c, DERIVED_WITH)
            if derived_with == derivation.fingerprint:
                return False
            if derived_with is not None:  # None: no rows yet, nothing to derive again
                self._derive_again(c, derivation, progress or (lambda *_: None))
            self._set_meta(c, DERIVED_WITH, derivation.fingerprint)
            return derived_with is not None

    def _derive_again(
        self, c: TranslatingCursor, derivation: Derivation, progress: Progress
    ) -> None:
        steps: tuple[tuple[str, Callable[[TranslatingCursor, Derivation], None]], ...] = (
            ("where terms end", self._derive_term_ends),
            ("when decisions are due", self._derive_due_dates),
            ("permits within target", self._derive_permit_targets),
            ("per-day counts", self._rebuild_term_days),
            ("the caseload per day", lambda c, _: caseload_days.recompute(c)),
            ("marks", self._recount_marks),
        )
        for done, (what, step) in enumerate(steps):
            progress(what, done, len(steps))
            step(c, derivation)
        progress("done", len(steps), len(steps))

    def _derived_dates(self, c: TranslatingCursor, rows: list[tuple[Any, ...]]) -> None:
        """A scratch table of derived values per distinct input, to UPDATE ... FROM in one pass."""
        c.execute(f"DROP TABLE IF EXISTS {self.dialect.scratch_table}")
        c.execute(
            self.dialect.ddl(
                "CREATE TEMP TABLE rm_derived (a TEXT, b TEXT, x TEXT, y TEXT, PRIMARY KEY (a, b))"
            )
        )
        c.executemany(f"INSERT INTO {self.dialect.scratch_table} VALUES (?, ?, ?, ?)", rows)

    def _derive_term_ends(self, c: TranslatingCursor, derivation: Derivation) -> None:
        c.execute("SELECT DISTINCT granted_on FROM rm_terms")
        days = [row[0] for row in c.fetchall()]
        ends = [
            (d, "", derivation.term_ends_on(date.fromisoformat(d)).isoformat(), None) for d in days
        ]
        self._derived_dates(c, ends)
        c.execute(
            f"UPDATE rm_terms SET term_ends_on = n.x FROM {self.dialect.scratch_table} n "
            "WHERE rm_terms.granted_on = n.a AND rm_terms.term_ends_on != n.x"
        )

    def _derive_due_dates(self, c: TranslatingCursor, derivation: Derivation) -> None:
        c.execute(
            "SELECT DISTINCT submitted_on FROM rm_member_states WHERE submitted_on IS NOT NULL"
        )
        due = []
        for (day,) in c.fetchall():
            due_on, extended_due_on = derivation.decision_due_on(date.fromisoformat(day))
            due.append((day, "", due_on.isoformat(), extended_due_on.isoformat()))
        self._derived_dates(c, due)
        c.execute(
            "UPDATE rm_member_states SET due_on = n.x, extended_due_on = n.y "
            f"FROM {self.dialect.scratch_table} n WHERE rm_member_states.submitted_on = n.a "
            "AND (rm_member_states.due_on != n.x OR rm_member_states.extended_due_on != n.y)"
        )

    def _derive_permit_targets(self, c: TranslatingCursor, derivation: Derivation) -> None:
        c.execute(
            "SELECT DISTINCT decided_on, issued_on FROM rm_member_states WHERE issued_on IS NOT NULL"
        )
        targets = [
            (
                decided,
                issued,
                int(derivation.permit_within_target(*map(date.fromisoformat, (decided, issued)))),
                None,
            )
            for decided, issued in c.fetchall()
        ]
        self._derived_dates(c, targets)
        c.execute(
            "UPDATE rm_member_states SET permit_within_target = CAST(n.x AS INTEGER) "
            f"FROM {self.dialect.scratch_table} n "
            "WHERE rm_member_states.decided_on = n.a AND rm_member_states.issued_on = n.b "
            "AND rm_member_states.permit_within_target != CAST(n.x AS INTEGER)"
        )

    def _rebuild_term_days(self, c: TranslatingCursor, derivation: Derivation) -> None:
        c.execute(f"DROP TABLE IF EXISTS {self.dialect.scratch_table}")
        c.execute("DELETE FROM rm_term_days")
        c.execute(
            "INSERT INTO rm_term_days (day, granted, ended) "
            "SELECT day, SUM(granted), SUM(ended) FROM ("
            "  SELECT granted_on AS day, 1 AS granted, 0 AS ended FROM rm_terms "
            "  WHERE superseded_at IS NULL "
            "  UNION ALL SELECT term_ends_on, 0, 1 FROM rm_terms WHERE superseded_at IS NULL"
            ") AS days GROUP BY day"
        )

    @staticmethod
    def _recount_marks(c: TranslatingCursor, derivation: Derivation) -> None:
        """Each mark's per-day counts again from the terms (whose ends moved): one pass over the
        terms' changes in time order, the counts written at each mark."""
        c.execute("SELECT mark FROM rm_marks ORDER BY mark")
        marks = [row[0] for row in c.fetchall()]
        c.execute("DELETE FROM rm_mark_days")
        if not marks:
            return
        c.execute(
            "SELECT recorded_at, superseded_at, granted_on, term_ends_on FROM rm_terms "
            "WHERE superseded_at IS NULL OR superseded_at > recorded_at"
        )
        changes = []
        for recorded_at, superseded_at, granted_on, term_ends_on in c.fetchall():
            changes.append((recorded_at, granted_on, term_ends_on, 1))
            if superseded_at is not None:
                changes.append((superseded_at, granted_on, term_ends_on, -1))
        changes.sort(key=lambda change: change[0])
        counts: dict[str, list[int]] = {}
        position = 0
        for mark in marks:
            while position < len(changes) and changes[position][0] <= mark:
                _, granted_on, term_ends_on, delta = changes[position]
                counts.setdefault(granted_on, [0, 0])[0] += delta
                counts.setdefault(term_ends_on, [0, 0])[1] += delta
                position += 1
            c.executemany(
                "INSERT INTO rm_mark_days (mark, day, granted, ended) VALUES (?, ?, ?, ?)",
                [(mark, day, g, e) for day, (g, e) in sorted(counts.items()) if g or e],
            )

    # --- reading --------------------------------------------------------------------------------

    def _reading(self) -> AbstractContextManager[TranslatingCursor]:
        """One read transaction per answer: its figures and rows come from one state of the read
        model, never from both sides of a projection batch or a re-derivation."""
        return self._transaction(commit=False)

    @staticmethod
    def _params(as_of: date, known_at: datetime | None, **more: Any) -> dict[str, Any]:
        params = {"d": as_of.isoformat(), **more}
        if known_at is not None:
            params["k"] = sortable_instant(known_at)
        return params

    def holds_dependent_permit(
        self, v_number: str, on: date, known_at: datetime | None = None
    ) -> bool:
        with self._reading() as c:
            c.execute(
                # CROSS JOIN keeps the V-number index as the driver (SQLite then never reorders).
                "SELECT 1 FROM rm_members m CROSS JOIN rm_member_states p "
                "WHERE p.case_id = m.case_id AND p.member_id = m.member_id "
                f"AND m.v_number = :v AND {known('m', known_at)} AND {known('p', known_at)} "
                "AND p.issued_on <= :d LIMIT 1",
                self._params(on, known_at, v=self.text.v_number(v_number)),
            )
            return c.fetchone() is not None

    def status_counts(self, as_of: date, known_at: datetime | None) -> dict[str, int]:
        with self._reading() as c:
            return self._status_counts(c, as_of, known_at)

    def _status_counts(
        self, c: TranslatingCursor, as_of: date, known_at: datetime | None
    ) -> dict[str, int]:
        if known_at is None:
            return self._current_status_counts(c, as_of)
        cases, granted, ended = self._counts_known_at(c, as_of, sortable_instant(known_at))
        return {"awaiting_grant": cases - granted, "open": granted - ended, "expired": ended}

    @staticmethod
    def _current_status_counts(c: TranslatingCursor, as_of: date) -> dict[str, int]:
        """As known now: from the per-day counts of current terms, so the cost follows the number
        of distinct days, not of cases. A term ends after its grant, so a term ended before D was
        granted before D. The cases: those of the latest mark and those opened since."""
        c.execute("SELECT COALESCE(MAX(mark), '') FROM rm_marks")
        c.execute(
            "SELECT (SELECT COALESCE(MAX(cases), 0) FROM rm_marks WHERE mark = :m) "
            "+ (SELECT COUNT(*) FROM rm_cases WHERE opened_at > :m)",
            {"m": c.fetchone()[0]},
        )
        total = c.fetchone()[0]
        c.execute(
            "SELECT COALESCE(SUM(CASE WHEN day <= :d THEN granted END), 0), "
            "COALESCE(SUM(CASE WHEN day < :d THEN ended END), 0) FROM rm_term_days",
            {"d": as_of.isoformat()},
        )
        granted, ended = c.fetchone()
        return {"awaiting_grant": total - granted, "open": granted - ended, "expired": ended}

    @staticmethod
    def _counts_known_at(c: TranslatingCursor, as_of: date, k: str) -> tuple[int, int, int]:
        """(cases, terms granted by D, terms ended before D) as known at `k`: the latest mark at
        or before `k`, plus the changes between it and `k` (a term counts from its recorded_at
        until its superseded_at), read through the indexes on those instants: the cost follows
        the days and the changes per mark, not the cases."""
        c.execute("SELECT COALESCE(MAX(mark), '') FROM rm_marks WHERE mark <= ?", (k,))
        params = {"m": c.fetchone()[0], "k": k, "d": as_of.isoformat()}
        c.execute(
            "SELECT (SELECT COALESCE(MAX(cases), 0) FROM rm_marks WHERE mark = :m) "
            "+ (SELECT COUNT(*) FROM rm_cases WHERE opened_at > :m AND opened_at <= :k), "
            "COALESCE(SUM(CASE WHEN day <= :d THEN granted END), 0), "
            "COALESCE(SUM(CASE WHEN day < :d THEN ended END), 0) "
            "FROM rm_mark_days WHERE mark = :m",
            params,
        )
        cases, granted, ended = c.fetchone()
        changed = (
            "SELECT {sign} * {granted}, {sign} * {ended} FROM rm_terms t "
            "WHERE t.{at} > :m AND t.{at} <= :k AND {known}"
        )
        counted = {
            "granted": count_if("t.granted_on <= :d"),
            "ended": count_if("t.term_ends_on < :d"),
        }
        c.execute(
            changed.format(
                sign=1,
                at="recorded_at",
                **counted,
                known="(t.superseded_at IS NULL OR t.superseded_at > t.recorded_at)",
            )
            + " UNION ALL "
            + changed.format(
                sign=-1, at="superseded_at", **counted, known="t.superseded_at > t.recorded_at"
            ),
            params,
        )
        for more_granted, more_ended in c.fetchall():
            granted, ended = granted + more_granted, ended + more_ended
        return cases, granted, ended

    def list_cases(
        self,
        as_of: date,
        known_at: datetime | None,
        where: CaseListFilter,
        page: int,
        page_size: int,
        after: PageKey | None = None,
    ) -> CaseListPage:
        """The page is read by keyset, from its first case's key on: a key the caller has
        (`after`), or one found by an index-only walk that reads no sponsor and decides no status
        of a skipped case unless a filter needs it (`_page_start`); so a late page costs little
        more than the first."""
        params = self._params(as_of, known_at, limit=page_size + 1)
        listed = Listed(where, known_at, self._case_conditions(where, as_of, known_at, params))
        with self._reading() as c:
            start = self._page_start(c, listed, params, after, (page - 1) * page_size)
            rows = [] if start is None else self._page_rows(c, listed, params, start)
            counts = self._status_counts(c, as_of, known_at)
        listings = tuple(self._listing(row[1:], as_of, self.text) for row in rows[:page_size])
        if len(rows) <= page_size:
            return CaseListPage(counts, listings, None)
        last = rows[page_size - 1]
        return CaseListPage(counts, listings, page + 1, (last[0], last[1]))

    def _page_start(
        self,
        c: TranslatingCursor,
        listed: Listed,
        params: dict[str, Any],
        after: PageKey | None,
        skipped: int,
    ) -> str | None:
        """Where the page starts, as a condition on the case (its key in `params`); None if
        there is no such page."""
        if after is not None:
            params["from_at"], params["from_id"] = after
            return "c.opened_at >= :from_at AND (c.opened_at > :from_at OR c.case_id > :from_id)"
        if skipped == 0:
            return "TRUE"
        terms = listed.where.status is not None or listed.where.days_left_at_most is not None
        c.execute(
            listed.sql("c.opened_at, c.case_id", listed.conditions, terms)
            + "LIMIT 1 OFFSET :offset",
            {**params, "offset": skipped},
        )
        row = c.fetchone()
        if row is None:
            return None
        params["from_at"], params["from_id"] = row[0], row[1]
        return "c.opened_at >= :from_at AND (c.opened_at > :from_at OR c.case_id >= :from_id)"

    @staticmethod
    def _page_rows(
        c: TranslatingCursor, listed: Listed, params: dict[str, Any], start: str
    ) -> list[Any]:
        columns = (
            "c.opened_at, c.case_id, (SELECT sp.name FROM rm_sponsors sp "
            f"WHERE sp.case_id = c.case_id AND {known('sp', listed.known_at)}), {STATUS}, "
            "t.granted_on, t.term_ends_on"
        )
        c.execute(
            listed.sql(columns, [*listed.conditions, start], terms=True) + "LIMIT :limit", params
        )
        return c.fetchall()

    @staticmethod
    def _case_conditions(
        where: CaseListFilter, as_of: date, known_at: datetime | None, params: dict[str, Any]
    ) -> list[str]:
        conditions = [] if known_at is None else ["c.opened_at <= :k"]
        if where.status is not None:
            conditions.append(f"{STATUS} = :status")
            params["status"] = where.status
        if where.days_left_at_most is not None:
            conditions.append("t.term_ends_on >= :d AND t.term_ends_on <= :last_day")
            params["last_day"] = (as_of + timedelta(days=where.days_left_at_most)).isoformat()
        member_conditions = []
        if where.stage is not None:
            member_conditions.append("s.stage = :stage")
            params["stage"] = where.stage
        if where.decision_due_within_days is not None:
            member_conditions.append(
                "s.stage = 'applied' AND :due_by >= "
                "CASE WHEN s.extended = 1 THEN s.extended_due_on ELSE s.due_on END"
            )
            params["due_by"] = (as_of + timedelta(days=where.decision_due_within_days)).isoformat()
        if where.permit_over_target:
            member_conditions.append("s.stage = 'granted' AND s.decided_on < :target_passed")
            params["target_passed"] = (as_of - timedelta(days=PERMIT_READY_TARGET_DAYS)).isoformat()
        if where.route is not None:
            regular = route_regular(known_at)
            member_conditions.append(regular if where.route == "regular" else f"NOT ({regular})")
        if member_conditions:
            conditions.append(
                f"EXISTS (SELECT 1 FROM {'member_term' if where.route else 'member_stage'} s "
                "WHERE s.case_id = c.case_id AND "
                + " AND ".join(f"({m})" for m in member_conditions)
                + ")"
            )
        return conditions

    @staticmethod
    def _listing(row: Any, as_of: date, text: PersonalText) -> CaseListing:
        case_id, sponsor_name, status, granted_on, term_ends_on = row
        ends_on = date.fromisoformat(term_ends_on) if term_ends_on else None
        return CaseListing(
            case_id=case_id,
            sponsor_name=None if sponsor_name is None else text.name_read(sponsor_name),
            status=status,
            granted_on=date.fromisoformat(granted_on) if granted_on else None,
            term_ends_on=ends_on,
            days_left=(ends_on - as_of).days if ends_on and status == "open" else None,
        )

    def caseload(self, as_of: date, known_at: datetime | None) -> Caseload:
        with self._reading() as c:
            if known_at is None:
                return caseload_days.caseload_on(c, as_of)
            return self._scanned_caseload(c, as_of, known_at)

    @staticmethod
    def _scanned_caseload(c: TranslatingCursor, as_of: date, known_at: datetime | None) -> Caseload:
        """Every member as of `as_of`, as known at `known_at`: a scan (as known now, the per-day
        sums of caseload_days answer the same without one)."""
        params = SQLReadModel._params(as_of, known_at)
        per_stage = ", ".join(count_if(f"stage = '{stage}'") for stage in STAGES)
        c.execute(
            f"WITH {member_states(known_at)} SELECT {per_stage}, "
            + count_if(
                "submitted_on IS NOT NULL AND decision IS NULL AND withdrawn = 0 "
                "AND :d > CASE WHEN extended = 1 THEN extended_due_on ELSE due_on END"
            )
            + ", "
            "COALESCE(SUM(permit), 0), COALESCE(SUM(within_target), 0) FROM member_stage",
            params,
        )
        figures = c.fetchone()
        # Only applications need their case's term: join those alone.
        c.execute(
            f"WITH {member_states(known_at)} SELECT "
            + count_if("t.term_ends_on IS NULL OR s.submitted_on <= t.term_ends_on")
            + ", "
            + count_if("s.submitted_on > t.term_ends_on")
            + " "
            "FROM member_state s LEFT JOIN rm_terms t ON t.case_id = s.case_id "
            f"AND {known('t', known_at)} AND t.granted_on <= :d "
            "WHERE s.submitted_on IS NOT NULL",
            params,
        )
        return caseload_days.caseload_of((*figures, *c.fetchone()))

    def dump(self) -> dict[str, list[tuple]]:
        with self._reading() as c:
            dumped = {}
            for table in TABLES:
                c.execute(f"SELECT * FROM {table}")
                dumped[table] = sorted((tuple(row) for row in c.fetchall()), key=repr)
            # Which set of tables holds the rows is not part of what they say.
            c.execute("SELECT * FROM rm_meta WHERE key != ?", (LIVE_TABLES,))
            dumped["rm_meta"] = sorted((tuple(row) for row in c.fetchall()), key=repr)
            return dumped
