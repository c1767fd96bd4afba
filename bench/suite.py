"""`nareis bench`: every figure of issue 11 in one run, each beside its floor measured in the same
process and run, interleaved in rounds, medians reported; a table on the terminal and, with
`--json PATH`, `{"setup": ..., "figures": {NAME: {"value", "unit", "floor", "ratio", ...}}}`.

`--quick` scales everything down (smaller logs, fewer rounds) so that CI runs it in a few minutes:
the figures keep their names, and each says in `scale` what it measured."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from bench import inprocess, over_http, reads
from bench.harness import Figure, interleaved, machine, median, show, write_json
from infrastructure.composition import Nareis


@dataclass(frozen=True)
class Plan:
    commands: inprocess.Scale
    http_rounds: int
    http_commands: int
    cases: tuple[int, int]  # the smaller and the larger seeded log
    rebuild_rounds: int
    report_rounds: int
    report_repeat: int


FULL = Plan(inprocess.FULL, 5, 800, (10_000, 100_000), 3, 5, 10)
QUICK = Plan(inprocess.QUICK, 3, 160, (1_000, 5_000), 2, 3, 5)


def default_cache() -> Path:
    import os

    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "nareis" / "bench"


def run(quick: bool, json_path: Path | None, cache: Path, console: Console) -> list[Figure]:
    plan = QUICK if quick else FULL
    started = time.perf_counter()

    def say(text: str) -> None:
        console.print(f"[{time.perf_counter() - started:6.0f} s] {text}", highlight=False)

    setup = {"quick": quick, "machine": machine(), "store": "SQLite file (the default)"}
    with tempfile.TemporaryDirectory(prefix="nareis-bench-") as folder:
        figures = measure(plan, Path(folder), cache, say)
    setup["seconds"] = round(time.perf_counter() - started, 1)
    setup["load_average_at_end"] = machine()["load_average_at_start"]
    show(figures, f"nareis bench{' --quick' if quick else ''}", console)
    if json_path is not None:
        write_json(json_path, figures, setup)
        say(f"wrote {json_path}")
    return figures


def measure(plan: Plan, work: Path, cache: Path, say: Callable[[str], None]) -> list[Figure]:
    say("commands in process")
    figures = inprocess.append_figures(_folder(work, "commands"), plan.commands)
    say("case queries in process")
    figures += inprocess.query_figures(_folder(work, "queries"), plan.commands)
    say("commands over HTTP")
    figures.append(over_http.http_append(_folder(work, "http"), plan.http_rounds,
                                         plan.http_commands))
    return figures + _many_cases(plan, work, cache, say)


def _many_cases(plan: Plan, work: Path, cache: Path, say: Callable[[str], None]) -> list[Figure]:
    few, many = plan.cases
    logs = [reads.seeded_log(cache, n, say) for n in plan.cases]
    small = reads.projected(logs[0], _folder(work, "small"))
    large = reads.projected(logs[1], _folder(work, "large"))
    try:
        say(f"rebuild of {few:,} cases, against its floor")
        rebuild = reads.rebuild_figure(small, work, plan.rebuild_rounds, few)
        say(f"rebuild of {many:,} cases")
        figures = [rebuild, reads.large_rebuild_figure(large, rebuild, many)]
        say("reports")
        figures += _reports(plan, small, large)
        small_database = small.settings.database_url.removeprefix("sqlite:///")
    finally:
        small.close()
        large.close()
    say(f"writers with report readers ({few:,} cases) over HTTP")
    figures.append(over_http.mixed_writes(Path(small_database), work, plan.http_rounds,
                                          plan.http_commands, few))
    return figures


def _reports(plan: Plan, small: Nareis, large: Nareis) -> list[Figure]:
    rounds = interleaved(plan.report_rounds, {
        "small": lambda: reads.report_times(small, plan.report_repeat),
        "large": lambda: reads.report_times(large, plan.report_repeat),
    })
    medians = {
        size: {key: median([r[key] for r in results]) for key in results[0]}
        for size, results in rounds.items()
    }
    return reads.report_figures(medians["small"], medians["large"], plan.cases)


def _folder(work: Path, name: str) -> Path:
    folder = work / name
    folder.mkdir(exist_ok=True)
    return folder
