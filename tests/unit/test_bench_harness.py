"""The arithmetic of `nareis bench` (bench/harness.py): what a figure's ratio and goal say, how
rounds take turns, and the JSON the CI run writes. (The figures themselves are measured by
`nareis bench --quick` in `.ci/run`, never asserted in a test.)"""

from __future__ import annotations

import json

from bench.harness import Figure, Goal, interleaved, write_json


def test_a_ratio_is_the_value_over_its_floor():
    assert Figure("append", 90.0, "cmd/s", floor=100.0).ratio == 0.9


def test_a_figure_without_a_floor_has_no_ratio_and_its_value_goal_decides():
    figure = Figure("caseload_100k", 120.0, "ms", goal=Goal("value", "<=", 100))
    assert figure.ratio is None
    assert figure.met is False


def test_a_rate_goal_is_met_at_its_bound_and_missed_below_it():
    goal = Goal("ratio", ">=", 0.9)
    assert Figure("append", 90.0, "cmd/s", 100.0, goal=goal).met is True
    assert Figure("append", 89.0, "cmd/s", 100.0, goal=goal).met is False


def test_a_time_goal_is_met_below_its_bound_and_missed_above_it():
    goal = Goal("ratio", "<=", 1.5)
    assert Figure("load_case_1000", 1.4, "ms", 1.0, goal=goal).met is True
    assert Figure("load_case_1000", 1.6, "ms", 1.0, goal=goal).met is False


def test_rounds_take_turns_at_going_first():
    order: list[str] = []
    interleaved(3, {"a": lambda: order.append("a"), "b": lambda: order.append("b")})
    assert order == ["a", "b", "b", "a", "a", "b"]


def test_every_measure_gets_a_sample_each_round():
    samples = interleaved(4, {"one": lambda: 1.0, "two": lambda: 2.0})
    assert samples == {"one": [1.0] * 4, "two": [2.0] * 4}


def test_the_json_names_each_figure_with_value_unit_floor_and_ratio(tmp_path):
    path = tmp_path / "bench.json"
    figures = [Figure("append", 90.0, "cmd/s", 100.0, goal=Goal("ratio", ">=", 0.9))]
    write_json(path, figures, {"quick": True})
    written = json.loads(path.read_text())
    assert written["setup"] == {"quick": True}
    append = written["figures"]["append"]
    assert (append["value"], append["unit"], append["floor"], append["ratio"]) == (
        90.0, "cmd/s", 100.0, 0.9,
    )
    assert (append["goal"], append["met"]) == ("ratio >= 0.9", True)
