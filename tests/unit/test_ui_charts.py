"""The bar-chart geometry of the reports page (infrastructure/ui/charts.py): bars in proportion to
their counts, round axis ticks, every value as text, and the edges (nothing, all zero, huge)."""

from __future__ import annotations

import pytest

from infrastructure.ui.charts import (
    BAR,
    MIN_BAR,
    ROW,
    WIDTH,
    Datum,
    bar_chart,
    count_text,
    nice_scale,
    summary,
    tick_text,
)

THREE = [Datum("Awaiting grant", 3), Datum("Open", 10), Datum("Expired", 5)]


@pytest.mark.parametrize(
    ("largest", "end", "step"),
    [(1, 1, 1), (4, 4, 1), (7, 8, 2), (10, 10, 2), (12, 15, 5), (99, 100, 20), (101, 150, 50)],
)
def test_the_axis_ends_at_a_round_number_at_or_past_the_largest_count(largest, end, step) -> None:
    assert nice_scale(largest) == (end, step)


def test_every_step_is_one_two_or_five_times_a_power_of_ten_and_the_end_a_whole_number_of_steps():
    for largest in [*range(1, 2000), 12_345_678, 999_999_999_999]:
        end, step = nice_scale(largest)
        digits = str(step).rstrip("0")
        assert digits in ("1", "2", "5"), (largest, step)
        assert end >= largest and end % step == 0
        assert end - step < largest  # no step beyond the one that reaches the largest
        assert 2 <= end // step <= 10 or largest == 1, (largest, end, step)


def test_bars_are_in_proportion_to_their_counts_and_start_at_the_axis() -> None:
    chart = bar_chart(THREE)
    lengths = [bar.width for bar in chart.bars]
    assert {bar.x for bar in chart.bars} == {chart.plot_left}
    assert lengths[1] == pytest.approx(chart.plot_right - chart.plot_left)  # 10 of an axis of 10
    assert lengths[0] == pytest.approx(lengths[1] * 0.3, abs=0.1)
    assert lengths[2] == pytest.approx(lengths[1] * 0.5, abs=0.1)


def test_bars_lie_one_below_the_other_in_the_order_given_and_inside_the_drawing() -> None:
    chart = bar_chart(THREE)
    tops = [bar.y for bar in chart.bars]
    assert tops == sorted(tops) and tops[1] - tops[0] == ROW
    assert all(bar.height == BAR for bar in chart.bars)
    assert chart.plot_bottom == tops[-1] + BAR + (ROW - BAR) / 2
    assert chart.height > chart.plot_bottom
    assert chart.view_box == f"0 0 {WIDTH:.0f} {chart.height:.0f}"
    for bar in chart.bars:
        assert 0 < bar.label_x < bar.x <= bar.value_x < chart.width


def test_every_bar_carries_its_value_as_text_beside_its_end() -> None:
    chart = bar_chart([Datum("Open", 1234), Datum("Expired", 0)])
    assert [bar.value_text for bar in chart.bars] == ["1,234", "0"]
    for bar in chart.bars:
        assert bar.value_x > bar.x + bar.width
        assert bar.y < bar.text_y < bar.y + bar.height


def test_ticks_run_from_zero_to_the_axis_end_at_the_step_across_the_plot() -> None:
    chart = bar_chart(THREE)
    assert [tick.value for tick in chart.ticks] == [0, 2, 4, 6, 8, 10]
    assert [tick.text for tick in chart.ticks] == ["0", "2", "4", "6", "8", "10"]
    assert chart.ticks[0].x == chart.plot_left
    assert chart.ticks[-1].x == pytest.approx(chart.plot_right)


def test_all_zero_draws_no_bars_but_every_zero_and_an_axis_from_zero_to_one() -> None:
    chart = bar_chart([Datum("Awaiting grant", 0), Datum("Open", 0), Datum("Expired", 0)])
    assert [bar.width for bar in chart.bars] == [0, 0, 0]
    assert [bar.value_text for bar in chart.bars] == ["0", "0", "0"]
    assert chart.axis_max == 1
    assert [tick.text for tick in chart.ticks] == ["0", "1"]


def test_no_data_is_an_empty_chart_with_an_axis() -> None:
    chart = bar_chart([])
    assert chart.bars == () and chart.headings == ()
    assert [tick.value for tick in chart.ticks] == [0, 1]
    assert chart.height > 0 and chart.plot_right > chart.plot_left


def test_one_case_among_millions_still_shows_a_bar_and_the_millions_fit() -> None:
    chart = bar_chart([Datum("Open", 1), Datum("Expired", 12_345_678)])
    small, huge = chart.bars
    assert small.width == MIN_BAR
    assert huge.value_text == "12,345,678"
    # the longest value still fits right of the longest bar
    assert huge.value_x + len(huge.value_text) * 8.8 <= chart.width
    assert [tick.text for tick in chart.ticks] == ["0", "5M", "10M", "15M"]


def test_a_negative_count_draws_no_bar_backwards_but_keeps_its_text() -> None:
    (bar,) = bar_chart([Datum("Odd", -4)]).bars
    assert bar.width == 0 and bar.value_text == "-4"


def test_tick_labels_are_short_for_large_numbers_and_exact_for_small_ones() -> None:
    assert [tick_text(v) for v in (0, 5, 2500, 10_000, 12_500, 1_500_000, 2_000_000_000)] == [
        "0",
        "5",
        "2,500",
        "10k",
        "12.5k",
        "1.5M",
        "2G",
    ]
    assert count_text(1_234_567) == "1,234,567"


def test_a_heading_comes_before_each_group_and_takes_its_own_row() -> None:
    data = [
        Datum("Registered", 3, "Members per stage"),
        Datum("Applied", 2, "Members per stage"),
        Datum("Overdue", 1, "Decisions"),
    ]
    chart = bar_chart(data)
    assert [h.text for h in chart.headings] == ["Members per stage", "Decisions"]
    first, second, third = chart.bars
    assert chart.headings[0].y < first.y
    assert second.y - first.y == ROW
    assert second.y < chart.headings[1].y < third.y
    assert third.y - second.y > ROW


def test_long_labels_widen_the_label_column_up_to_a_limit() -> None:
    short = bar_chart([Datum("Open", 1)])
    longer = bar_chart([Datum("Awaiting grant", 1)])
    longest = bar_chart([Datum("x" * 200, 1)])
    assert short.plot_left < longer.plot_left < longest.plot_left <= WIDTH / 2


def test_the_summary_says_every_figure_in_words_by_group() -> None:
    assert summary(THREE) == "3 awaiting grant, 10 open, 5 expired."
    grouped = [Datum("Timely", 2, "Applications"), Datum("Late", 0, "Applications")]
    grouped.append(Datum("Issued", 1200, "Permits"))
    assert summary(grouped) == "Applications: 2 timely, 0 late. Permits: 1,200 issued."


def test_the_grid_runs_along_each_group_of_bars_and_never_across_a_heading() -> None:
    data = [Datum("Registered", 3, "Members"), Datum("Applied", 2, "Members")]
    data.append(Datum("Overdue", 1, "Decisions"))
    chart = bar_chart(data)
    members, decisions = chart.bands
    assert members == (chart.bars[0].y - (ROW - BAR) / 2, chart.bars[1].y + BAR + (ROW - BAR) / 2)
    assert members[1] < chart.headings[1].y < decisions[0]
    assert decisions[1] == chart.plot_bottom
    assert bar_chart(THREE).bands == ((chart.plot_top, bar_chart(THREE).plot_bottom),)
