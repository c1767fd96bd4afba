"""The geometry of a horizontal bar chart, for an SVG drawn by a template: counts in, bars with
x/y/width/height, axis ticks at round numbers and the text of every label out.

Pure (no I/O, no markup), so that every edge is a unit test: no data, all zero, one huge count.
Bars lie horizontally because the labels are words ("permit issued", "awaiting grant") that
would not fit under narrow upright bars; each bar carries its value as text beside it, so no
figure is told by length or colour alone. Lengths are in the SVG's own units (its viewBox), so
the drawing scales with the page.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 640.0
ROW = 34.0  # the height of one bar's row
BAR = 22.0  # the height of a bar inside its row
HEADING = 30.0  # the height of a group's heading row
TOP = 8.0
AXIS = 30.0  # below the bars: the axis and its tick labels
GAP = 10.0  # between a label and its bar, and a bar and its value
# Estimated widths of a character at the chart's font sizes (labels 14, values 14 bold): SVG text
# is not measured on the server, so the margins are sized from the longest text with room over.
LABEL_CHARACTER = 7.6
VALUE_CHARACTER = 8.8
LEFT_LEAST, LEFT_MOST = 64.0, 220.0
TICKS_WANTED = 5
MIN_BAR = 2.0


@dataclass(frozen=True)
class Datum:
    """One figure to draw: `label` in words, its count, and the group it is shown under (""
    for none); `key` names it for styling (a CSS class)."""

    label: str
    value: int
    group: str = ""
    key: str = ""


@dataclass(frozen=True)
class Bar:
    datum: Datum
    x: float
    y: float
    width: float
    height: float
    label_x: float  # the label's end (text-anchor: end), left of the axis
    text_y: float  # the baseline of the label and the value, centred on the bar
    value_x: float  # the value's start, right of the bar's end
    value_text: str


@dataclass(frozen=True)
class Tick:
    value: int
    x: float
    text: str


@dataclass(frozen=True)
class Heading:
    text: str
    y: float  # its baseline


@dataclass(frozen=True)
class BarChart:
    width: float
    height: float
    plot_left: float
    plot_right: float
    plot_top: float
    plot_bottom: float
    axis_max: int
    bars: tuple[Bar, ...]
    ticks: tuple[Tick, ...]
    headings: tuple[Heading, ...]
    # The runs of bars between headings, as (top, bottom): the grid and the axis are drawn
    # along each, so that no line crosses a heading.
    bands: tuple[tuple[float, float], ...] = ()

    @property
    def view_box(self) -> str:
        return f"0 0 {_number(self.width)} {_number(self.height)}"

    @property
    def tick_label_y(self) -> float:
        return self.plot_bottom + AXIS - 10


def nice_scale(largest: int, wanted: int = TICKS_WANTED) -> tuple[int, int]:
    """The axis's end and step for counts up to `largest`: a step of 1, 2 or 5 times a power of
    ten (whole numbers: counts have no fractions), about `wanted` steps, the end the first step
    at or past `largest`. All zero (or nothing): an axis from 0 to 1, so that it is still drawn."""
    if largest <= 0:
        return 1, 1
    rough = largest / wanted
    power = 10 ** max(0, math.floor(math.log10(rough))) if rough >= 1 else 1
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= rough)
    return math.ceil(largest / step) * step, step


def count_text(value: int) -> str:
    """A count in full, grouped by thousands (12,345): the figure itself, next to its bar."""
    return f"{value:,}"


def tick_text(value: int) -> str:
    """A tick's number, short from 10,000 on (12.5k, 15M) so that the ticks of large counts do
    not overlap; below that in full (2,500)."""
    if value < 10_000:
        return count_text(value)
    size, suffix = next(
        (size, suffix)
        for size, suffix in ((1_000_000_000, "G"), (1_000_000, "M"), (1_000, "k"))
        if value >= size
    )
    return f"{value / size:.2f}".rstrip("0").rstrip(".") + suffix


def bar_chart(data: Sequence[Datum], width: float = WIDTH) -> BarChart:
    """Bars for `data` in their order, a heading above each run of data of one group, and the
    axis's ticks. Negative values are drawn as zero (counts are not negative; a bar never
    points backwards past its label) but keep their text."""
    axis_max, step = nice_scale(max((d.value for d in data), default=0))
    left = _left_margin(data)
    right = width - _right_margin(data)
    scale = (right - left) / axis_max
    rows = _rows(data, left, scale)
    ticks = tuple(
        Tick(value, round(left + value * scale, 1), tick_text(value))
        for value in range(0, axis_max + 1, step)
    )
    return BarChart(
        width=width,
        height=rows.bottom + AXIS,
        plot_left=left,
        plot_right=right,
        plot_top=TOP,
        plot_bottom=rows.bottom,
        axis_max=axis_max,
        bars=tuple(rows.bars),
        ticks=ticks,
        headings=tuple(rows.headings),
        bands=tuple(rows.bands),
    )


def summary(data: Sequence[Datum]) -> str:
    """The chart's figures as sentences, one a group, the count first ("Permits: 3 issued, 2
    within 4 days."): the SVG's <desc>, what a screen reader says for the picture."""
    sentences: list[str] = []
    for group in dict.fromkeys(d.group for d in data):
        figures = ", ".join(
            f"{count_text(d.value)} {d.label.lower()}" for d in data if d.group == group
        )
        sentences.append(f"{group}: {figures}." if group else f"{figures}.")
    return " ".join(sentences)


@dataclass
class _Rows:
    bars: list[Bar]
    headings: list[Heading]
    bands: list[tuple[float, float]]
    bottom: float


def _rows(data: Sequence[Datum], left: float, scale: float) -> _Rows:
    """Place the rows top to bottom: a group's heading when the group changes, then its bars;
    each run of bars between headings is a band (its grid lines stop short of the headings)."""
    rows = _Rows([], [], [], TOP)
    group = None
    for datum in data:
        if datum.group != group:
            if datum.group:
                rows.headings.append(Heading(datum.group, rows.bottom + HEADING - 10))
                rows.bottom += HEADING
            rows.bands.append((rows.bottom, rows.bottom))
            group = datum.group
        rows.bars.append(_bar(datum, rows.bottom, left, scale))
        rows.bottom += ROW
        rows.bands[-1] = (rows.bands[-1][0], rows.bottom)
    return rows


def _bar(datum: Datum, row_top: float, left: float, scale: float) -> Bar:
    length = _length(datum.value, scale)
    bar_y = row_top + (ROW - BAR) / 2
    return Bar(
        datum=datum,
        x=left,
        y=bar_y,
        width=length,
        height=BAR,
        label_x=round(left - GAP, 1),
        text_y=bar_y + BAR / 2 + 5,  # about a third of the font below the centre
        value_x=round(left + length + GAP, 1),
        value_text=count_text(datum.value),
    )


def _length(value: int, scale: float) -> float:
    """A bar's length: none for zero (or less), and at least MIN_BAR for any count above zero, so
    that 1 among millions is still seen as not zero."""
    if value <= 0:
        return 0.0
    return round(max(value * scale, MIN_BAR), 1)


def _left_margin(data: Sequence[Datum]) -> float:
    longest = max((len(d.label) for d in data), default=0)
    return round(min(max(longest * LABEL_CHARACTER + 2 * GAP, LEFT_LEAST), LEFT_MOST), 1)


def _right_margin(data: Sequence[Datum]) -> float:
    """Room right of the longest bar for its value, and for half the last tick's label."""
    longest = max((len(count_text(d.value)) for d in data), default=1)
    return round(max(longest * VALUE_CHARACTER + 2 * GAP, 40.0), 1)


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")
