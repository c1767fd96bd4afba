"""The read model on SQLite: effective-dated tables, written with the tracking position in one
transaction, queried with `as_of` and `known_at` as plain indexed filters.

A row is known from `recorded_at` until `superseded_at` (the instant a correction replaced it;
'9999' while current). Instants are stored as fixed-width UTC text, so text order is time order.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from eventsourcing.persistence import Tracking
from eventsourcing.sqlite import SQLiteCursor, SQLiteTrackingRecorder

from application.projections import (
    CaseListFilter,
    CaseListing,
    CaseListPage,
    Caseload,
    CaseOpenedRow,
    MemberFactRow,
    MemberRow,
    ReadModelView,
    Row,
    SponsorRow,
    TermRow,
)
from domain.term import PERMIT_READY_TARGET_DAYS

CURRENT = "9999"  # superseded_at of a row no correction has replaced
STAGES = ("registered", "applied", "granted", "refused", "withdrawn", "permit_issued")
STATUSES = ("awaiting_grant", "open", "expired")

TABLES = {
    "rm_cases": "CREATE TABLE IF NOT EXISTS rm_cases (case_id TEXT PRIMARY KEY, "
    "opened_at TEXT NOT NULL, sponsor_v_number TEXT NOT NULL, sponsor_name TEXT NOT NULL, "
    "sponsor_arrived_on TEXT NOT NULL)",
    "rm_terms": "CREATE TABLE IF NOT EXISTS rm_terms (case_id TEXT NOT NULL, "
    "version INTEGER NOT NULL, recorded_at TEXT NOT NULL, superseded_at TEXT NOT NULL, "
    "granted_on TEXT NOT NULL, term_ends_on TEXT NOT NULL, PRIMARY KEY (case_id, version)) "
    "WITHOUT ROWID",
    "rm_members": "CREATE TABLE IF NOT EXISTS rm_members (case_id TEXT NOT NULL, "
    "member_id TEXT NOT NULL, version INTEGER NOT NULL, recorded_at TEXT NOT NULL, "
    "superseded_at TEXT NOT NULL, name TEXT NOT NULL, relationship TEXT NOT NULL, "
    "v_number TEXT, PRIMARY KEY (case_id, member_id, version)) WITHOUT ROWID",
    "rm_member_facts": "CREATE TABLE IF NOT EXISTS rm_member_facts (case_id TEXT NOT NULL, "
    "member_id TEXT NOT NULL, fact TEXT NOT NULL, version INTEGER NOT NULL, "
    "recorded_at TEXT NOT NULL, superseded_at TEXT NOT NULL, business_date TEXT NOT NULL, "
    "value TEXT, due_on TEXT, extended_due_on TEXT, "
    "PRIMARY KEY (case_id, member_id, fact, version)) WITHOUT ROWID",
}
# Each member's procedure, one row per change (as `rm_member_facts`, but all facts side by side), so
# "every member as of D, as known at K" is one scan with no pivot. Derived from rm_member_facts in
# the same transaction.
STATE_COLUMNS = {
    "application": ("submitted_on", "due_on", "extended_due_on"),
    "arrival": ("arrived_on",),
    "decision": ("decided_on", "decision"),
    "permit": ("issued_on",),
    "withdrawal": ("withdrawn_on",),
    "extension": ("extended_on",),
}
TABLES["rm_member_states"] = (
    "CREATE TABLE IF NOT EXISTS rm_member_states (case_id TEXT NOT NULL, "
    "member_id TEXT NOT NULL, version INTEGER NOT NULL, recorded_at TEXT NOT NULL, "
    "superseded_at TEXT NOT NULL, "
    + ", ".join(f"{column} TEXT" for columns in STATE_COLUMNS.values() for column in columns)
    + ", PRIMARY KEY (case_id, member_id, version)) WITHOUT ROWID"
)
TABLES["rm_term_days"] = (
    "CREATE TABLE IF NOT EXISTS rm_term_days (day TEXT PRIMARY KEY, "
    "granted INTEGER NOT NULL DEFAULT 0, ended INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID"
)
INDEXES = (
    "CREATE INDEX IF NOT EXISTS rm_member_states_current ON rm_member_states "
    "(case_id, member_id, superseded_at)",
    "CREATE INDEX IF NOT EXISTS rm_cases_opened ON rm_cases (opened_at, case_id)",
    "CREATE INDEX IF NOT EXISTS rm_terms_known ON rm_terms "
    "(superseded_at, recorded_at, granted_on, term_ends_on)",
    "CREATE INDEX IF NOT EXISTS rm_terms_case ON rm_terms (case_id, superseded_at, recorded_at)",
    "CREATE INDEX IF NOT EXISTS rm_members_v_number ON rm_members (v_number)",
)


def sortable_instant(instant: datetime) -> str:
    """UTC, microseconds, fixed width: text order is time order."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _known(known_at: datetime | None) -> str:
    return sortable_instant(known_at) if known_at is not None else "9998"


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


# The state of every member as of :d, as known at :k: one row per member; a fact counts from its
# business date on.
MEMBER_STATE = """
member_state AS (
  SELECT case_id, member_id,
    CASE WHEN submitted_on <= :d THEN submitted_on END AS submitted_on,
    due_on, extended_due_on,
    CASE WHEN arrived_on <= :d THEN arrived_on END AS arrived_on,
    CASE WHEN decided_on <= :d THEN decision END AS decision,
    CASE WHEN decided_on <= :d THEN decided_on END AS decided_on,
    CASE WHEN issued_on <= :d THEN issued_on END AS issued_on,
    COALESCE(withdrawn_on <= :d, 0) AS withdrawn,
    COALESCE(extended_on <= :d, 0) AS extended
  FROM rm_member_states
  WHERE recorded_at <= :k AND superseded_at > :k
),
member_stage AS (
  SELECT s.*,
    CASE WHEN s.withdrawn = 1 THEN 'withdrawn'
         WHEN s.issued_on IS NOT NULL THEN 'permit_issued'
         WHEN s.decision = 'granted' THEN 'granted'
         WHEN s.decision = 'refused' THEN 'refused'
         WHEN s.submitted_on IS NOT NULL THEN 'applied'
         ELSE 'registered' END AS stage
  FROM member_state s
),
member_term AS (
  SELECT s.*, t.term_ends_on, c.sponsor_arrived_on
  FROM member_stage s
  JOIN rm_cases c ON c.case_id = s.case_id
  LEFT JOIN rm_terms t ON t.case_id = s.case_id AND t.recorded_at <= :k
   AND t.superseded_at > :k AND t.granted_on <= :d
)
"""

# timely = not_met (DOMAIN.md): not arrived with or before the sponsor, and late or, with no
# application, the term expired.
ROUTE_REGULAR = """
  (s.arrived_on IS NULL OR s.arrived_on > s.sponsor_arrived_on)
  AND s.term_ends_on IS NOT NULL
  AND ((s.submitted_on IS NOT NULL AND s.submitted_on > s.term_ends_on)
       OR (s.submitted_on IS NULL AND :d > s.term_ends_on))
"""


class SQLiteReadModel(SQLiteTrackingRecorder, ReadModelView):
    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), *TABLES.values(), *INDEXES]

    # --- writing --------------------------------------------------------------------------------

    def apply(self, rows: Sequence[Row], tracking: Tracking) -> None:
        with self.datastore.transaction(commit=True) as c:
            for row in rows:
                self._apply_row(c, row)
            self._insert_tracking(c, tracking)

    def _apply_row(self, c: SQLiteCursor, row: Row) -> None:
        if isinstance(row, CaseOpenedRow):
            c.execute(
                "INSERT INTO rm_cases VALUES (?, ?, ?, ?, ?)",
                (
                    row.case_id,
                    sortable_instant(row.recorded_at),
                    row.sponsor_v_number,
                    row.sponsor_name,
                    row.sponsor_arrived_on.isoformat(),
                ),
            )
        elif isinstance(row, SponsorRow):
            c.execute(
                "UPDATE rm_cases SET sponsor_v_number = ?, sponsor_name = ?, "
                "sponsor_arrived_on = ? WHERE case_id = ?",
                (
                    row.sponsor_v_number,
                    row.sponsor_name,
                    row.sponsor_arrived_on.isoformat(),
                    row.case_id,
                ),
            )
        elif isinstance(row, TermRow):
            recorded = sortable_instant(row.recorded_at)
            self._move_term_days(c, row)
            c.execute(
                "UPDATE rm_terms SET superseded_at = ? WHERE case_id = ? AND superseded_at = ?",
                (recorded, row.case_id, CURRENT),
            )
            c.execute(
                "INSERT INTO rm_terms VALUES (?, ?, ?, ?, ?, ?)",
                (
                    row.case_id,
                    row.version,
                    recorded,
                    CURRENT,
                    row.granted_on.isoformat(),
                    row.term_ends_on.isoformat(),
                ),
            )
        elif isinstance(row, MemberRow):
            recorded = sortable_instant(row.recorded_at)
            self._start_member_state(c, row, recorded)
            c.execute(
                "UPDATE rm_members SET superseded_at = ? "
                "WHERE case_id = ? AND member_id = ? AND superseded_at = ?",
                (recorded, row.case_id, row.member_id, CURRENT),
            )
            c.execute(
                "INSERT INTO rm_members VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    row.case_id,
                    row.member_id,
                    row.version,
                    recorded,
                    CURRENT,
                    row.name,
                    row.relationship,
                    row.v_number,
                ),
            )
        else:
            self._apply_fact(c, row)

    @staticmethod
    def _move_term_days(c: SQLiteCursor, row: TermRow) -> None:
        """Keep the per-day counts of current terms: the corrected term's days lose one, the new
        term's days gain one."""
        c.execute(
            "SELECT granted_on, term_ends_on FROM rm_terms WHERE case_id = ? AND superseded_at = ?",
            (row.case_id, CURRENT),
        )
        changes = [(row.granted_on.isoformat(), row.term_ends_on.isoformat(), 1)]
        changes += [(old["granted_on"], old["term_ends_on"], -1) for old in c.fetchall()]
        for granted_on, term_ends_on, delta in changes:
            for day, column in ((granted_on, "granted"), (term_ends_on, "ended")):
                c.execute(
                    f"INSERT INTO rm_term_days (day, {column}) VALUES (?, ?) "
                    f"ON CONFLICT (day) DO UPDATE SET {column} = {column} + excluded.{column}",
                    (day, delta),
                )

    @staticmethod
    def _start_member_state(c: SQLiteCursor, row: MemberRow, recorded: str) -> None:
        """A registration starts a member's state; a correction of details leaves it as it is."""
        c.execute(
            "INSERT INTO rm_member_states (case_id, member_id, version, recorded_at, "
            "superseded_at) SELECT ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM rm_member_states "
            "WHERE case_id = ? AND member_id = ?)",
            (
                row.case_id,
                row.member_id,
                row.version,
                recorded,
                CURRENT,
                row.case_id,
                row.member_id,
            ),
        )

    @staticmethod
    def _advance_member_state(
        c: SQLiteCursor, row: MemberFactRow, recorded: str, values: tuple[str | None, ...]
    ) -> None:
        """A new state row: the current one with this fact's columns changed."""
        c.execute(
            "SELECT * FROM rm_member_states WHERE case_id = ? AND member_id = ? "
            "AND superseded_at = ?",
            (row.case_id, row.member_id, CURRENT),
        )
        current = dict(c.fetchone())
        current.update(zip(STATE_COLUMNS[row.fact], values, strict=True))
        current.update(version=row.version, recorded_at=recorded, superseded_at=CURRENT)
        c.execute(
            "UPDATE rm_member_states SET superseded_at = ? WHERE case_id = ? AND member_id = ? "
            "AND superseded_at = ?",
            (recorded, row.case_id, row.member_id, CURRENT),
        )
        columns = ", ".join(current)
        c.execute(
            f"INSERT INTO rm_member_states ({columns}) VALUES ({', '.join('?' * len(current))})",
            tuple(current.values()),
        )

    @classmethod
    def _apply_fact(cls, c: SQLiteCursor, row: MemberFactRow) -> None:
        recorded = sortable_instant(row.recorded_at)
        business = row.business_date.isoformat()
        state_values = {
            "application": (business, _iso(row.due_on), _iso(row.extended_due_on)),
            "decision": (business, row.value),
        }.get(row.fact, (business,))
        cls._advance_member_state(c, row, recorded, state_values)
        c.execute(
            "UPDATE rm_member_facts SET superseded_at = ? WHERE case_id = ? AND member_id = ? "
            "AND fact = ? AND superseded_at = ?",
            (recorded, row.case_id, row.member_id, row.fact, CURRENT),
        )
        c.execute(
            "INSERT INTO rm_member_facts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                row.case_id,
                row.member_id,
                row.fact,
                row.version,
                recorded,
                CURRENT,
                row.business_date.isoformat(),
                row.value,
                _iso(row.due_on),
                _iso(row.extended_due_on),
            ),
        )

    def clear(self) -> None:
        # Dropping and recreating frees the pages at once; deleting millions of rows one by one
        # fills the write-ahead log instead.
        with self.datastore.transaction(commit=True) as c:
            for table in TABLES:
                c.execute(f"DROP TABLE IF EXISTS {table}")
            for statement in (*TABLES.values(), *INDEXES):
                c.execute(statement)
            c.execute(
                "DELETE FROM tracking WHERE application_name != ?",
                (self.table_migration_identifier,),
            )

    # --- reading --------------------------------------------------------------------------------

    def _query(self, sql: str, params: dict[str, Any] | Sequence[Any]) -> list[Any]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(sql, params)
            return c.fetchall()

    def holds_dependent_permit(
        self, v_number: str, on: date, known_at: datetime | None = None
    ) -> bool:
        rows = self._query(
            # CROSS JOIN keeps the V-number index as the driver (SQLite then never reorders).
            "SELECT 1 FROM rm_members m CROSS JOIN rm_member_facts p "
            "ON p.case_id = m.case_id AND p.member_id = m.member_id AND p.fact = 'permit' "
            "WHERE m.v_number = :v AND m.recorded_at <= :k AND m.superseded_at > :k "
            "AND p.recorded_at <= :k AND p.superseded_at > :k AND p.business_date <= :on LIMIT 1",
            {"v": v_number, "on": on.isoformat(), "k": _known(known_at)},
        )
        return bool(rows)

    def status_counts(self, as_of: date, known_at: datetime | None) -> dict[str, int]:
        if known_at is None:
            return self._current_status_counts(as_of)
        params = {"d": as_of.isoformat(), "k": _known(known_at)}
        total = self._query("SELECT COUNT(*) FROM rm_cases WHERE opened_at <= :k", params)[0][0]
        granted = self._query(
            "SELECT COALESCE(SUM(term_ends_on >= :d), 0), COALESCE(SUM(term_ends_on < :d), 0) "
            "FROM rm_terms WHERE superseded_at > :k AND recorded_at <= :k AND granted_on <= :d",
            params,
        )[0]
        return {
            "awaiting_grant": total - granted[0] - granted[1],
            "open": granted[0],
            "expired": granted[1],
        }

    def _current_status_counts(self, as_of: date) -> dict[str, int]:
        """As known now: from the per-day counts of current terms, so the cost follows the number
        of distinct days, not of cases. A term ends after its grant, so a term ended before D was
        granted before D."""
        total = self._query("SELECT COUNT(*) FROM rm_cases", ())[0][0]
        granted, ended = self._query(
            "SELECT COALESCE(SUM(CASE WHEN day <= :d THEN granted END), 0), "
            "COALESCE(SUM(CASE WHEN day < :d THEN ended END), 0) FROM rm_term_days",
            {"d": as_of.isoformat()},
        )[0]
        return {"awaiting_grant": total - granted, "open": granted - ended, "expired": ended}

    def list_cases(
        self,
        as_of: date,
        known_at: datetime | None,
        where: CaseListFilter,
        page: int,
        page_size: int,
    ) -> CaseListPage:
        params: dict[str, Any] = {
            "d": as_of.isoformat(),
            "k": _known(known_at),
            "limit": page_size + 1,
            "offset": (page - 1) * page_size,
        }
        conditions = ["c.opened_at <= :k"]
        status = (
            "CASE WHEN t.case_id IS NULL THEN 'awaiting_grant' "
            "WHEN t.term_ends_on >= :d THEN 'open' ELSE 'expired' END"
        )
        if where.status is not None:
            conditions.append(f"{status} = :status")
            params["status"] = where.status
        if where.days_left_at_most is not None:
            conditions.append(
                "t.term_ends_on >= :d AND julianday(t.term_ends_on) - julianday(:d) <= :days_left"
            )
            params["days_left"] = where.days_left_at_most
        member_conditions = []
        if where.stage is not None:
            member_conditions.append("s.stage = :stage")
            params["stage"] = where.stage
        if where.route is not None:
            member_conditions.append(
                ROUTE_REGULAR if where.route == "regular" else f"NOT ({ROUTE_REGULAR})"
            )
        prefix = ""
        if member_conditions:
            prefix = f"WITH {MEMBER_STATE} "
            conditions.append(
                f"EXISTS (SELECT 1 FROM {'member_term' if where.route else 'member_stage'} s "
                "WHERE s.case_id = c.case_id AND "
                + " AND ".join(f"({m})" for m in member_conditions)
                + ")"
            )
        rows = self._query(
            f"{prefix}SELECT c.case_id, c.sponsor_name, {status}, t.granted_on, t.term_ends_on "
            "FROM rm_cases c LEFT JOIN rm_terms t ON t.case_id = c.case_id "
            "AND t.recorded_at <= :k AND t.superseded_at > :k AND t.granted_on <= :d "
            f"WHERE {' AND '.join(conditions)} "
            "ORDER BY c.opened_at, c.case_id LIMIT :limit OFFSET :offset",
            params,
        )
        listings = tuple(
            CaseListing(
                case_id=row[0],
                sponsor_name=row[1],
                status=row[2],
                granted_on=date.fromisoformat(row[3]) if row[3] else None,
                term_ends_on=date.fromisoformat(row[4]) if row[4] else None,
                days_left=(date.fromisoformat(row[4]) - as_of).days
                if row[4] and row[2] == "open"
                else None,
            )
            for row in rows[:page_size]
        )
        next_page = page + 1 if len(rows) > page_size else None
        return CaseListPage(self.status_counts(as_of, known_at), listings, next_page)

    def caseload(self, as_of: date, known_at: datetime | None) -> Caseload:
        params = {"d": as_of.isoformat(), "k": _known(known_at), "target": PERMIT_READY_TARGET_DAYS}
        per_stage = ", ".join(f"COALESCE(SUM(stage = '{stage}'), 0)" for stage in STAGES)
        figures = self._query(
            f"WITH {MEMBER_STATE} SELECT {per_stage}, "
            "COALESCE(SUM(submitted_on IS NOT NULL AND decision IS NULL AND withdrawn = 0 "
            "  AND :d > CASE WHEN extended = 1 THEN extended_due_on ELSE due_on END), 0), "
            "COALESCE(SUM(issued_on IS NOT NULL), 0), "
            "COALESCE(SUM(issued_on IS NOT NULL "
            "  AND julianday(issued_on) - julianday(decided_on) <= :target), 0) "
            "FROM member_stage",
            params,
        )[0]
        # Only applications need their case's term: join those alone.
        timely, late = self._query(
            f"WITH {MEMBER_STATE} SELECT "
            "COALESCE(SUM(t.term_ends_on IS NULL OR s.submitted_on <= t.term_ends_on), 0), "
            "COALESCE(SUM(s.submitted_on > t.term_ends_on), 0) "
            "FROM member_state s LEFT JOIN rm_terms t ON t.case_id = s.case_id "
            "AND t.recorded_at <= :k AND t.superseded_at > :k AND t.granted_on <= :d "
            "WHERE s.submitted_on IS NOT NULL",
            params,
        )[0]
        overdue, issued, within = figures[len(STAGES) :]
        return Caseload(
            stages=dict(zip(STAGES, figures[: len(STAGES)], strict=True)),
            applications={"timely": timely, "late": late},
            overdue_decisions=overdue,
            permits={"issued": issued, "within_target": within, "over_target": issued - within},
        )

    def dump(self) -> dict[str, list[tuple]]:
        with self.datastore.transaction(commit=False) as c:
            dumped = {}
            for table in TABLES:
                c.execute(f"SELECT * FROM {table} ORDER BY 1, 2, 3")
                dumped[table] = [tuple(row) for row in c.fetchall()]
            return dumped
