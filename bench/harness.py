"""What every figure of `nareis bench` shares: rounds that interleave a measurement with its floor,
medians, goals, the printed table and the JSON file.

A figure is a value and, where it has one, a floor measured in the same process and run; their
ratio is what the goals of issue 11 speak of (`ratio = value / floor`, whatever the unit: for a
rate higher is better, for a time lower is).
"""

from __future__ import annotations

import json
import operator
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

Measure = Callable[[], Any]


@dataclass(frozen=True)
class Goal:
    """A bound on a figure's ratio (or, without a floor, on its value)."""

    of: str  # "ratio" or "value"
    op: str  # ">=" or "<="
    bound: float

    def met(self, figure: Figure) -> bool | None:
        measured = figure.ratio if self.of == "ratio" else figure.value
        if measured is None:
            return None
        return {">=": operator.ge, "<=": operator.le}[self.op](measured, self.bound)

    def __str__(self) -> str:
        return f"{self.of} {self.op} {self.bound:g}"


@dataclass
class Figure:
    name: str
    value: float
    unit: str
    floor: float | None = None
    floor_is: str = ""  # what the floor measures
    goal: Goal | None = None
    scale: dict[str, Any] = field(default_factory=dict)  # what was measured: sizes, counts
    also: dict[str, float] = field(default_factory=dict)  # further figures of the same run
    samples: list[float] = field(default_factory=list)
    floor_samples: list[float] = field(default_factory=list)

    @property
    def ratio(self) -> float | None:
        if self.floor is None or self.floor == 0:
            return None
        return self.value / self.floor

    @property
    def met(self) -> bool | None:
        return None if self.goal is None else self.goal.met(self)

    def as_json(self) -> dict[str, Any]:
        answer: dict[str, Any] = {"value": round(self.value, 4), "unit": self.unit}
        answer["floor"] = None if self.floor is None else round(self.floor, 4)
        answer["ratio"] = None if self.ratio is None else round(self.ratio, 4)
        answer |= {"floor_is": self.floor_is, "goal": str(self.goal) if self.goal else None}
        answer |= {"met": self.met, "scale": self.scale}
        answer |= {"also": {k: round(v, 4) for k, v in self.also.items()}}
        return answer | {"samples": [round(s, 4) for s in self.samples]}


def interleaved(rounds: int, measures: dict[str, Measure]) -> dict[str, list[Any]]:
    """Run each measure once per round, taking turns (who goes first rotates), so that the
    machine's moods fall on all of them alike; every sample, by measure."""
    samples: dict[str, list[Any]] = {name: [] for name in measures}
    names = list(measures)
    for number in range(rounds):
        turn = number % len(names)
        for name in names[turn:] + names[:turn]:
            samples[name].append(measures[name]())
    return samples


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def rate(count: int, action: Callable[[], object]) -> float:
    """`count` things per second, doing `action` (which does all of them) once."""
    started = time.perf_counter()
    action()
    return count / (time.perf_counter() - started)


def milliseconds(action: Callable[[], object], repeat: int) -> float:
    """Median milliseconds of one `action`, over `repeat` calls."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def machine() -> dict[str, Any]:
    load = _load_average()
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": _cpu_count(),
        "load_average_at_start": load,
    }


def _cpu_count() -> int | None:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def _load_average() -> list[float] | None:
    import os

    return [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None


def table(figures: list[Figure], title: str) -> Table:
    out = Table(title=title)
    for heading in ("figure", "value", "unit", "floor", "ratio", "goal", "met"):
        out.add_column(heading, justify="left" if heading in ("figure", "unit") else "right")
    for f in figures:
        out.add_row(
            f.name,
            _number(f.value),
            f.unit,
            "" if f.floor is None else _number(f.floor),
            "" if f.ratio is None else f"{f.ratio:.2f}",
            str(f.goal or ""),
            {True: "yes", False: "NO", None: ""}[f.met],
        )
    return out


def _number(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:,.2f}"


def write_json(path: Path, figures: list[Figure], setup: dict[str, Any]) -> None:
    document = {"setup": setup, "figures": {f.name: f.as_json() for f in figures}}
    path.write_text(json.dumps(document, indent=2) + "\n")


def show(figures: list[Figure], title: str, console: Console) -> None:
    console.print(table(figures, title))
