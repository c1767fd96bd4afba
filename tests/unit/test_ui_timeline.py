"""The case page's timeline: dates to positions and labels (infrastructure/ui/timeline.py)."""

from __future__ import annotations

from datetime import date
from itertools import pairwise

from infrastructure.ui.timeline import (
    GUTTER,
    WIDTH,
    MemberDates,
    TermDates,
    build_timeline,
)

D = date.fromisoformat
# Granted on a Sunday: the nominal end, Saturday 2026-02-28, rolls over to Monday 2026-03-02.
ROLLED = TermDates(D("2025-11-30"), D("2025-12-01"), D("2026-02-28"), D("2026-03-02"))
PLAIN = TermDates(D("2025-12-10"), D("2025-12-11"), D("2026-03-10"), D("2026-03-10"))
PARTNER = MemberDates(
    "m1",
    "Samir Haddad",
    submitted_on=D("2026-02-27"),
    decision_due_on=D("2026-05-27"),
    decided_on=D("2026-04-01"),
    decision_outcome="granted",
    permit_issued_on=D("2026-04-03"),
)


def test_marks_lie_left_to_right_in_the_order_of_their_dates() -> None:
    picture = build_timeline(ROLLED, D("2026-11-30"), [PARTNER])
    on_axis = sorted([*picture.case_marks, picture.marker], key=lambda m: m.fact.day)
    in_row = sorted(picture.rows[0].marks, key=lambda m: m.fact.day)
    for marks in (on_axis, in_row):
        xs = [m.x for m in marks]
        assert xs == sorted(xs)
        assert len(set(xs)) == len({m.fact.day for m in marks}), "distinct dates, distinct places"
    assert all(GUTTER <= m.x <= WIDTH for m in on_axis + in_row)
    days = [f.day for f in picture.facts]
    assert days == sorted(days)


def test_a_rolled_over_term_shows_its_nominal_end_and_its_real_end() -> None:
    picture = build_timeline(ROLLED, D("2026-11-30"), [])
    kinds = {m.fact.kind: m for m in picture.case_marks}
    assert kinds["nominal_end"].text == "Nominal end Sat 2026-02-28"
    assert picture.term_end is not None
    assert picture.term_end.text == "Term ends Mon 2026-03-02"
    assert picture.rollover is not None
    assert picture.rollover.x1 == kinds["nominal_end"].x
    assert picture.rollover.x2 == picture.term_end.x > picture.rollover.x1
    assert picture.term is not None and picture.term.x2 == picture.term_end.x


def test_a_term_that_did_not_roll_over_has_one_end_and_no_rollover() -> None:
    picture = build_timeline(PLAIN, D("2026-11-30"), [])
    kinds = [m.fact.kind for m in picture.case_marks]
    assert "nominal_end" not in kinds
    assert picture.rollover is None
    assert picture.term_end is not None and "2026-03-10" in picture.term_end.text


def test_without_a_grant_there_is_no_term_only_the_members_dates_and_the_day_shown() -> None:
    waiting = MemberDates("m1", "Jamal Karimi", D("2026-06-01"), D("2026-09-01"))
    picture = build_timeline(None, D("2026-11-30"), [waiting])
    assert picture.term is None and picture.rollover is None and picture.term_end is None
    assert picture.case_marks == ()
    assert picture.marker.text == "Today 2026-11-30"
    assert [m.fact.kind for m in picture.rows[0].marks] == ["application", "decision_due"]


def test_an_as_of_date_is_named_as_such_not_as_today() -> None:
    picture = build_timeline(ROLLED, D("2026-03-01"), [], marker_is_today=False)
    assert picture.marker.text == "As of 2026-03-01"


def test_labels_that_would_overlap_go_to_another_lane() -> None:
    # The grant and the term's start are one day apart: their labels cannot share a lane.
    picture = build_timeline(ROLLED, D("2026-11-30"), [PARTNER])
    kinds = {m.fact.kind: m for m in picture.case_marks}
    assert kinds["grant"].lane != kinds["term_start"].lane
    row = {m.fact.kind: m for m in picture.rows[0].marks}
    assert row["decision"].lane != row["permit"].lane  # 2 days apart
    for marks in (picture.case_marks, picture.rows[0].marks):
        by_lane: dict[int, list[tuple[float, float]]] = {}
        for m in marks:
            width = len(m.text) * 7.0
            left = m.label_x if m.anchor == "start" else m.label_x - width
            by_lane.setdefault(m.lane, []).append((left, left + width))
        for spans in by_lane.values():
            spans.sort()
            assert all(a[1] <= b[0] for a, b in pairwise(spans))


def test_a_date_far_from_the_term_is_drawn_at_the_edge_with_an_arrow() -> None:
    years_later = MemberDates("m1", "Late", submitted_on=D("2031-05-05"))
    picture = build_timeline(PLAIN, D("2026-01-15"), [years_later])
    mark = picture.rows[0].marks[0]
    assert mark.off_scale == "after"
    assert mark.text.endswith("→") and "2031-05-05" in mark.text
    assert mark.x == max(m.x for m in [*picture.case_marks, picture.marker, mark])
    assert picture.last_day < D("2031-05-05")
    # the term still takes a fair part of the picture
    assert picture.term is not None and picture.term.width > 100


def test_labels_stay_inside_the_picture() -> None:
    picture = build_timeline(PLAIN, D("2026-11-30"), [PARTNER])
    for m in [*picture.case_marks, picture.marker, *picture.rows[0].marks]:
        width = len(m.text) * 7.0
        right = m.label_x + width if m.anchor == "start" else m.label_x
        assert right <= WIDTH
    assert all(t.x + 40 <= WIDTH for t in picture.ticks)
    assert picture.height > picture.rows[-1].y

