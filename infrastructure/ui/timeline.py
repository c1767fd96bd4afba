"""A case's term drawn as a timeline: from the deadline's dates to the positions and labels of an
SVG picture. Pure (dates in, numbers and words out), so that the geometry is tested without a
browser; templates/case_timeline.html only draws what this module decides.

The picture has a band of case facts above an axis (the grant, the term's start, its nominal end
and, when the Algemene termijnenwet moved it past a weekend or holiday, its real end; today or the
`as_of` date), and a row per family member below it (application, decision due date, decision,
permit, withdrawal). Labels that would overlap go to the next lane. A date far from the term is
drawn at the edge of the scale, its label marked with an arrow, so that one odd date does not
squeeze the term into a sliver.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

WIDTH = 960
GUTTER = 170  # left of the scale: the members' names
RIGHT_MARGIN = 16
CHAR_WIDTH = 7.0  # a generous estimate of one character of a 12px label (no font metrics here)
LABEL_OFFSET = 5  # from a mark's line to its label
LABEL_GAP = 10  # between two labels in one lane
LANE_HEIGHT = 17
TOP = 10
# How far the scale reaches beyond the term; a date further away is drawn at the edge.
DAYS_BEFORE_TERM = 120
DAYS_AFTER_TERM = 400
MAX_TICKS = 10
TICK_LABEL_WIDTH = 60  # "Sep 2026" at 11px, and the gap before it
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class TermDates:
    granted_on: date
    starts_on: date
    nominal_ends_on: date
    ends_on: date

    @property
    def rolled_over(self) -> bool:
        """Whether the Algemene termijnenwet moved the end past a weekend or holiday."""
        return self.ends_on != self.nominal_ends_on


@dataclass(frozen=True)
class MemberDates:
    member_id: str
    name: str
    submitted_on: date | None = None
    decision_due_on: date | None = None
    decided_on: date | None = None
    decision_outcome: str | None = None
    permit_issued_on: date | None = None
    withdrawn_on: date | None = None


@dataclass(frozen=True)
class Fact:
    """One dated thing on the timeline, in words; `kind` names its symbol (and CSS class)."""

    day: date
    kind: str
    words: str  # what happened on `day`, without the date ("Term ends Tue", "Applied")
    member_id: str | None = None
    member_name: str | None = None

    @property
    def label(self) -> str:
        return f"{self.words} {self.day.isoformat()}"


@dataclass(frozen=True)
class Mark:
    """Where a fact is drawn: its date at `x` (at the scale's edge when `off_scale`), its label in
    `lane`, at (`label_x`, `label_y`), anchored at its `start` or `end`."""

    fact: Fact
    x: float
    y: float
    lane: int
    label_x: float
    label_y: float
    anchor: str
    off_scale: str | None  # "before" or "after" the scale, None when on it

    @property
    def text(self) -> str:
        if self.off_scale == "before":
            return f"← {self.fact.label}"
        if self.off_scale == "after":
            return f"{self.fact.label} →"
        return self.fact.label


@dataclass(frozen=True)
class Band:
    x1: float
    x2: float

    @property
    def width(self) -> float:
        return self.x2 - self.x1


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class Row:
    member_id: str
    name: str
    y: float
    height: float
    marks: tuple[Mark, ...]


@dataclass(frozen=True)
class Timeline:
    width: float
    height: float
    first_day: date
    last_day: date
    axis_y: float
    term: Band | None
    rollover: Band | None
    case_marks: tuple[Mark, ...]
    marker: Mark
    rows: tuple[Row, ...]
    ticks: tuple[Tick, ...]
    facts: tuple[Fact, ...]  # every fact by date: the table beside the picture

    @property
    def term_end(self) -> Mark | None:
        return next((m for m in self.case_marks if m.fact.kind == "term_end"), None)


@dataclass(frozen=True)
class Scale:
    """Days to x positions between `left` and `right`; a day outside is put at the edge."""

    first: date
    last: date
    left: float
    right: float

    def x(self, day: date) -> float:
        clamped = min(max(day, self.first), self.last)
        span = max((self.last - self.first).days, 1)
        return round(self.left + (clamped - self.first).days / span * (self.right - self.left), 1)

    def side_of(self, day: date) -> str | None:
        if day < self.first:
            return "before"
        return "after" if day > self.last else None


def weekday(day: date) -> str:
    return day.strftime("%a")


def case_facts(term: TermDates | None, marker: date, marker_is_today: bool) -> list[Fact]:
    """The case's own dates: the grant and the term (both ends when it rolled over), and the day
    the page shows."""
    shown = Fact(marker, "marker", "Today" if marker_is_today else "As of")
    if term is None:
        return [shown]
    facts = [
        Fact(term.granted_on, "grant", "Sponsor granted"),
        Fact(term.starts_on, "term_start", "Term starts"),
    ]
    if term.rolled_over:
        nominal = term.nominal_ends_on
        facts.append(Fact(nominal, "nominal_end", f"Nominal end {weekday(nominal)}"))
    facts.append(Fact(term.ends_on, "term_end", f"Term ends {weekday(term.ends_on)}"))
    return [*facts, shown]


def member_facts(member: MemberDates) -> list[Fact]:
    """A member's dates that are recorded (or, for the decision due date, computed)."""
    decision = f"Decision: {member.decision_outcome or 'taken'}"
    found = [
        (member.submitted_on, "application", "Applied"),
        (member.decision_due_on, "decision_due", "Decision due"),
        (member.decided_on, "decision", decision),
        (member.permit_issued_on, "permit", "Permit issued"),
        (member.withdrawn_on, "withdrawal", "Withdrawn"),
    ]
    return [
        Fact(day, kind, words, member.member_id, member.name)
        for day, kind, words in found
        if day is not None
    ]


def choose_scale(term: TermDates | None, days: Sequence[date]) -> Scale:
    """From the earliest to the latest date, but no further than DAYS_BEFORE_TERM before the
    grant and DAYS_AFTER_TERM after the term's end; padded a little on both sides."""
    first, last = min(days), max(days)
    if term is not None:
        first = max(first, term.granted_on - timedelta(days=DAYS_BEFORE_TERM))
        last = min(last, term.ends_on + timedelta(days=DAYS_AFTER_TERM))
    pad = timedelta(days=max(7, (last - first).days // 25))
    first = max(first - pad, date.min + pad)
    last = min(last + pad, date.max - pad)
    return Scale(first, last, GUTTER, WIDTH - RIGHT_MARGIN)


def place(facts: Iterable[Fact], scale: Scale, y: float, lane_y: float, step: float) -> list[Mark]:
    """Marks for `facts` at height `y`, each label in the first lane (at `lane_y` + lane * `step`)
    where it overlaps no label placed before it; a label that would leave the picture on the
    right is put to the left of its mark."""
    lane_ends: list[float] = []  # per lane: where its rightmost label ends
    marks = []
    for fact in sorted(facts, key=lambda f: f.day):
        x = scale.x(fact.day)
        side = scale.side_of(fact.day)
        width = (len(fact.label) + (2 if side else 0)) * CHAR_WIDTH
        anchor = "start" if x + LABEL_OFFSET + width <= WIDTH - 2 else "end"
        left = x + LABEL_OFFSET if anchor == "start" else x - LABEL_OFFSET - width
        lane = next((i for i, end in enumerate(lane_ends) if end + LABEL_GAP <= left), None)
        if lane is None:
            lane = len(lane_ends)
            lane_ends.append(0.0)
        lane_ends[lane] = max(left + width, x)
        label_x = x + LABEL_OFFSET if anchor == "start" else x - LABEL_OFFSET
        marks.append(Mark(fact, x, y, lane, label_x, lane_y + lane * step, anchor, side))
    return marks


def month_ticks(scale: Scale) -> tuple[Tick, ...]:
    """A tick on the first of every month (every second, third... month on a long scale)."""
    firsts = []
    day = date(scale.first.year, scale.first.month, 1)
    while day <= scale.last:
        if day >= scale.first:
            firsts.append(day)
        day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    step = max(1, math.ceil(len(firsts) / MAX_TICKS))
    ticks = (Tick(scale.x(d), f"{MONTHS[d.month - 1]} {d.year}") for d in firsts[::step])
    # A tick whose label would be cut off at the right edge is left out.
    return tuple(t for t in ticks if t.x + TICK_LABEL_WIDTH <= WIDTH)


def member_rows(
    members: Sequence[MemberDates], scale: Scale, top: float
) -> tuple[tuple[Row, ...], float]:
    """A row per member from `top` down, each as tall as its labels' lanes; and where they end."""
    rows = []
    y = top
    for member in members:
        line_y = y + 14
        marks = place(member_facts(member), scale, line_y, line_y + 20, LANE_HEIGHT)
        lanes = 1 + max((m.lane for m in marks), default=0)
        height = 14 + 20 + (lanes - 1) * LANE_HEIGHT + 14
        rows.append(Row(member.member_id, member.name, line_y, height, tuple(marks)))
        y += height
    return tuple(rows), y


def build_timeline(
    term: TermDates | None,
    marker: date,
    members: Sequence[MemberDates],
    marker_is_today: bool = True,
) -> Timeline:
    """The timeline of a case on `marker` (today, or the `as_of` date the page shows): `term`
    None while no grant is recorded (then the picture has members' dates and the marker only)."""
    on_case = case_facts(term, marker, marker_is_today)
    per_member = [fact for member in members for fact in member_facts(member)]
    scale = choose_scale(term, [f.day for f in on_case + per_member])
    # The case's labels stack upwards from the axis: place them first to know how high they reach.
    trial = place(on_case, scale, 0, 0, 1)
    lanes = 1 + max(m.lane for m in trial)
    axis_y = TOP + lanes * LANE_HEIGHT + 6
    case_marks = place(on_case, scale, axis_y, axis_y - 12, -LANE_HEIGHT)
    rows, bottom = member_rows(members, scale, axis_y + 40)
    every = sorted(on_case + per_member, key=lambda f: (f.day, f.member_name or ""))
    return Timeline(
        width=WIDTH,
        height=bottom + 8,
        first_day=scale.first,
        last_day=scale.last,
        axis_y=axis_y,
        term=Band(scale.x(term.starts_on), scale.x(term.ends_on)) if term else None,
        rollover=_rollover(term, scale),
        case_marks=tuple(m for m in case_marks if m.fact.kind != "marker"),
        marker=next(m for m in case_marks if m.fact.kind == "marker"),
        rows=rows,
        ticks=month_ticks(scale),
        facts=tuple(every),
    )


def _rollover(term: TermDates | None, scale: Scale) -> Band | None:
    """The days the Algemene termijnenwet added to the term (nominal end to real end)."""
    if term is None or not term.rolled_over:
        return None
    return Band(scale.x(term.nominal_ends_on), scale.x(term.ends_on))
