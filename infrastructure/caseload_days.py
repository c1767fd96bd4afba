"""The caseload as known now, from per-day sums instead of a scan of every member.

Each member's current state and its case's current term fix, for every day D, the member's part in
the caseload as of D: its stage, whether its decision is overdue, whether a permit was issued (and
within target), whether its application was timely or late. That part changes only on a few days
(a fact's date, the day after a due date, the grant), so it is kept as +1/-1 changes on those days:
`rm_caseload_members` holds each member's current changes, `rm_caseload_days` their sums per day
and figure. The caseload as of D is then the sums over the days up to D: the cost follows the number
of distinct days, not of members (like `rm_term_days` for the deadline counts).

Whenever a member's state or its case's term changes, the case's members are evaluated again
(`refresh`): a member's old changes are taken out of the sums and its new ones put in. A calendar
change re-derives due dates and term ends, so everything is evaluated again (`recompute`). Both keep
the tables as a rebuild would have them: no day whose sums are all zero.

`figures_on` is the SQL scan's meaning (read_model_sql `member_states` and `caseload`) in Python;
the tests hold the two answers equal for every as_of.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from application.projections import Caseload, MemberFactRow, MemberRow, Row, TermRow
from domain.vocabulary import Stage
from infrastructure.sql_dialect import TranslatingCursor

STAGES = tuple(str(stage) for stage in Stage)
FIGURES = (*STAGES, "overdue", "issued", "within_target", "timely", "late")
SINCE_EVER = date.min.isoformat()  # the day a member's first figures count from: every as_of

TABLES = {
    # Each member's current changes, "day figure delta" items: what to take out when it changes.
    "rm_caseload_members": "CREATE TABLE IF NOT EXISTS rm_caseload_members ("
    "case_id TEXT NOT NULL, member_id TEXT NOT NULL, changes TEXT NOT NULL, "
    "PRIMARY KEY (case_id, member_id)) WITHOUT ROWID",
    "rm_caseload_days": "CREATE TABLE IF NOT EXISTS rm_caseload_days (day TEXT PRIMARY KEY, "
    + ", ".join(f"{figure} INTEGER NOT NULL DEFAULT 0" for figure in FIGURES)
    + ") WITHOUT ROWID",
}
# A member's current state with its case's current term: everything its figures depend on.
MEMBERS = """
SELECT s.case_id, s.member_id, s.submitted_on, s.due_on, s.extended_due_on, s.decided_on,
  s.decision, s.issued_on, s.permit_within_target, s.withdrawn_on, s.extended_on,
  t.granted_on, t.term_ends_on{more}
FROM rm_member_states s
LEFT JOIN rm_terms t ON t.case_id = s.case_id AND t.superseded_at IS NULL{join}
WHERE s.superseded_at IS NULL{where}
"""
EVERY_MEMBER = MEMBERS.format(more="", join="", where="")
CASES_A_QUERY = 500  # the members of a projection batch's cases, read this many cases at a time


def changed_cases(condition: str) -> str:
    """The current members of the cases `s.case_id {condition}` (a dialect's `any_of`), with
    their case's current term and the changes they counted with so far."""
    return MEMBERS.format(
        more=", cm.changes",
        join=" LEFT JOIN rm_caseload_members cm "
        "ON cm.case_id = s.case_id AND cm.member_id = s.member_id",
        where=f" AND s.case_id {condition}",
    )


ADD_TO_DAY = (
    f"INSERT INTO rm_caseload_days (day, {', '.join(FIGURES)}) "
    f"VALUES (?, {', '.join('?' for _ in FIGURES)}) ON CONFLICT (day) DO UPDATE SET "
    + ", ".join(f"{f} = rm_caseload_days.{f} + excluded.{f}" for f in FIGURES)
)
DROP_EMPTY_DAY = "DELETE FROM rm_caseload_days WHERE day = ? AND " + " AND ".join(
    f"{figure} = 0" for figure in FIGURES
)
KEEP_CHANGES = (
    "INSERT INTO rm_caseload_members (case_id, member_id, changes) VALUES (?, ?, ?) "
    "ON CONFLICT (case_id, member_id) DO UPDATE SET changes = excluded.changes"
)
SUMS_UP_TO = (
    "SELECT "
    + ", ".join(f"COALESCE(SUM({figure}), 0)" for figure in FIGURES)
    + " FROM rm_caseload_days WHERE day <= :d"
)

CHANGING = (TermRow, MemberRow, MemberFactRow)  # the rows that can change a member's figures
Changes = Counter[tuple[str, int]]  # (day, index in FIGURES) -> delta


@dataclass(frozen=True)
class Member:
    """What a member's figures depend on, as stored (ISO dates as text, None for none)."""

    submitted_on: str | None
    due_on: str | None
    extended_due_on: str | None
    decided_on: str | None
    decision: str | None
    issued_on: str | None
    permit_within_target: int | None
    withdrawn_on: str | None
    extended_on: str | None
    granted_on: str | None
    term_ends_on: str | None


def figures_on(m: Member, d: str) -> tuple[int, ...]:
    """The member's part in each of FIGURES as of day `d`: the scan's CASEs, one by one."""

    def by(day: str | None) -> bool:
        return day is not None and day <= d

    submitted, permit, withdrawn = by(m.submitted_on), by(m.issued_on), by(m.withdrawn_on)
    decision = m.decision if by(m.decided_on) else None
    due = m.extended_due_on if by(m.extended_on) else m.due_on
    term_ends_on = m.term_ends_on if by(m.granted_on) else None
    stage = (
        "withdrawn" if withdrawn else "permit_issued" if permit
        else decision if decision in ("granted", "refused")
        else "applied" if submitted else "registered"
    )  # fmt: skip
    late = submitted and term_ends_on is not None and str(m.submitted_on) > term_ends_on
    return (
        *(int(stage == s) for s in STAGES),
        int(submitted and decision is None and not withdrawn and due is not None and d > due),
        int(permit),
        (m.permit_within_target or 0) if permit else 0,
        int(submitted and not late),
        int(late),
    )


def changes_of(m: Member) -> Changes:
    """The days the member's figures change on, and by how much: they are constant between the
    days a fact counts from, the grant, and the days after the due dates (`d > due`)."""
    days = {SINCE_EVER, m.submitted_on, m.decided_on, m.issued_on, m.withdrawn_on}
    days |= {m.extended_on, m.granted_on, _day_after(m.due_on), _day_after(m.extended_due_on)}
    changes: Changes = Counter()
    before = (0,) * len(FIGURES)
    for day in sorted(day for day in days if day is not None):
        now = figures_on(m, day)
        for index, (old, new) in enumerate(zip(before, now, strict=True)):
            if new != old:
                changes[(day, index)] = new - old
        before = now
    return changes


def _day_after(day: str | None) -> str | None:
    if day is None or day == date.max.isoformat():
        return None
    return (date.fromisoformat(day) + timedelta(days=1)).isoformat()


def encoded(changes: Changes) -> str:
    return ";".join(f"{day} {index} {delta}" for (day, index), delta in sorted(changes.items()))


def decoded(text: str | None) -> Changes:
    changes: Changes = Counter()
    for item in text.split(";") if text else ():
        day, index, delta = item.split(" ")
        changes[(day, int(index))] = int(delta)
    return changes


def _member(row: Sequence[Any]) -> Member:
    return Member(*row[2:13])


def refresh(c: TranslatingCursor, rows: Iterable[Row]) -> None:
    """After `rows` were written: evaluate the members of each case they changed a member's state
    or the term of again, and move the sums by the difference."""
    cases = sorted({row.case_id for row in rows if isinstance(row, CHANGING)})
    moved: Changes = Counter()
    kept = []
    for first in range(0, len(cases), CASES_A_QUERY):
        condition, params = c.dialect.any_of(cases[first : first + CASES_A_QUERY])
        c.execute(changed_cases(condition), params)
        for row in c.fetchall():
            new = encoded(changes_of(_member(row)))
            if new != row[13]:
                moved.update(decoded(new))
                moved.subtract(decoded(row[13]))
                kept.append((row[0], row[1], new))
    if kept:
        c.executemany(KEEP_CHANGES, kept)
        _add_to_days(c, moved)


def _add_to_days(c: TranslatingCursor, changes: Changes) -> None:
    per_day: dict[str, list[int]] = defaultdict(lambda: [0] * len(FIGURES))
    for (day, index), delta in changes.items():
        per_day[day][index] += delta
    days = sorted(day for day, deltas in per_day.items() if any(deltas))
    c.executemany(ADD_TO_DAY, [(day, *per_day[day]) for day in days])
    c.executemany(DROP_EMPTY_DAY, [(day,) for day in days])


def recompute(c: TranslatingCursor) -> None:
    """Every member evaluated again (due dates and term ends were derived again), from empty."""
    c.execute("DELETE FROM rm_caseload_members")
    c.execute("DELETE FROM rm_caseload_days")
    c.execute(EVERY_MEMBER)
    total: Changes = Counter()
    kept = []
    for row in c.fetchall():
        changes = changes_of(_member(row))
        total.update(changes)
        kept.append((row[0], row[1], encoded(changes)))
    c.executemany(KEEP_CHANGES, kept)
    _add_to_days(c, total)


def caseload_on(c: TranslatingCursor, as_of: date) -> Caseload:
    """The caseload as of `as_of`, as known now: the sums of the days up to it."""
    c.execute(SUMS_UP_TO, {"d": as_of.isoformat()})
    return caseload_of(tuple(c.fetchone()))


def caseload_of(figures: Sequence[int]) -> Caseload:
    """The report from the figures in the order of FIGURES."""
    by_name = dict(zip(FIGURES, figures, strict=True))
    issued, within = by_name["issued"], by_name["within_target"]
    return Caseload(
        stages={stage: by_name[stage] for stage in STAGES},
        applications={"timely": by_name["timely"], "late": by_name["late"]},
        overdue_decisions=by_name["overdue"],
        permits={"issued": issued, "within_target": within, "over_target": issued - within},
    )
