"""Figures over many cases: `rebuild` (and `rebuild_100k`), `report_10k` and `report_100k` (the
deadline report's first page and counts, with and without `known_at`), `page_50_of_1000` and
`caseload_100k`, on seeded SQLite databases.

Seeding 100,000 cases takes minutes, so the generated event logs are kept in a cache folder
(never in the repository), named by what made them: the case count, the generator's seed and
today, and a digest of the code that generates and stores them. Each run works on a copy."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from application.projections import CaseListFilter
from application.seeding import CaseGenerator
from application.service import NareisApplication
from bench.harness import Figure, Goal, interleaved, median, milliseconds
from bench.inprocess import TODAY, nareis_on
from infrastructure.composition import Nareis

SEED = 1
BATCH = 500
PAGE_SIZE = 100
Say = Callable[[str], None]


def code_digest() -> str:
    """Of the generator: the same seed and today make the same cases while it is unchanged. (A
    change of the events' shape that the code cannot read fails loudly on the first decode: then
    remove the cache folder.)"""
    seeding = Path(__file__).resolve().parent.parent / "application" / "seeding.py"
    return hashlib.sha256(seeding.read_bytes()).hexdigest()[:12]


def seeded_log(cache: Path, cases: int, say: Say) -> Path:
    """The cached event log of `cases` generated cases (made now if there is none)."""
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / f"log-{cases}-seed{SEED}-{TODAY}-{code_digest()}.db"
    if not path.exists():
        say(f"seeding {cases:,} cases into {path} (once; later runs reuse it)")
        partial = path.with_suffix(".partial")
        _remove(partial)
        started = time.perf_counter()
        events = _seed(partial, cases)
        partial.rename(path)
        say(f"  {events:,} events in {time.perf_counter() - started:.0f} s")
    return path


def _seed(path: Path, cases: int) -> int:
    nareis = nareis_on(path)
    try:
        pending, events = [], 0
        for done, case in enumerate(CaseGenerator(SEED, TODAY).cases(cases), start=1):
            pending.append(case)
            if len(pending) == BATCH or done == cases:
                events += sum(len(c.pending_events) for c in pending)
                nareis.application.save_new_cases(*pending)
                pending = []
        return events
    finally:
        nareis.close()


def working_copy(log: Path, folder: Path) -> Path:
    copy = folder / log.name
    _remove(copy)
    shutil.copyfile(log, copy)
    return copy


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def log_length(app: NareisApplication) -> int:
    return app.recorder.max_notification_id() or 0


# --- rebuild ------------------------------------------------------------------------------------


def rebuild_rate(nareis: Nareis) -> float:
    """`nareis rebuild`: the whole log projected into the spare tables, then swapped in; events
    of the log per second."""
    events = log_length(nareis.application)
    started = time.perf_counter()
    nareis.rebuild()
    return events / (time.perf_counter() - started)


def floor_rate(nareis: Nareis, scratch: Path) -> float:
    """Read the log in batches of 1,000, decode every event, insert one row per event with
    executemany, commit per batch: the least a projection of the whole log does."""
    app = nareis.application
    _remove(scratch)
    connection = sqlite3.connect(scratch, isolation_level=None)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("CREATE TABLE rows (position INTEGER PRIMARY KEY, stream TEXT, "
                       "version INTEGER, recorded_at TEXT, kind TEXT)")
    started, position, events = time.perf_counter(), 0, 0
    while batch := app.recorder.select_notifications(position, 1000, inclusive_of_start=False):
        decoded = [(n.id, app.mapper.to_domain_event(n)) for n in batch]
        connection.execute("BEGIN")
        connection.executemany("INSERT INTO rows VALUES (?, ?, ?, ?, ?)", [
            (i, str(e.originator_id), e.originator_version, e.timestamp.isoformat(),
             type(e).__name__) for i, e in decoded
        ])
        connection.execute("COMMIT")
        position, events = batch[-1].id, events + len(batch)
    seconds = time.perf_counter() - started
    connection.close()
    return events / seconds


def rebuild_figure(nareis: Nareis, folder: Path, rounds: int, cases: int) -> Figure:
    samples = interleaved(rounds, {
        "rebuild": lambda: rebuild_rate(nareis),
        "floor": lambda: floor_rate(nareis, folder / "floor-scratch.db"),
    })
    return Figure("rebuild", median(samples["rebuild"]), "events/s", median(samples["floor"]),
                  "read + decode + insert a row per event (executemany)", Goal("ratio", ">=", 0.5),
                  {"cases": cases, "events": log_length(nareis.application)},
                  samples=samples["rebuild"], floor_samples=samples["floor"])


def large_rebuild_figure(nareis: Nareis, small: Figure, cases: int) -> Figure:
    value = rebuild_rate(nareis)
    return Figure("rebuild_100k", value, "events/s", small.value, "rebuild (the smaller log)",
                  Goal("ratio", ">=", 1.0),
                  {"cases": cases, "events": log_length(nareis.application)})


# --- reports ------------------------------------------------------------------------------------


def halfway(app: NareisApplication) -> datetime:
    """An instant halfway through the log: an "as known at" report then sees about half of it."""
    middle = log_length(app) // 2
    (notification,) = app.recorder.select_notifications(middle, 1)
    return app.mapper.to_domain_event(notification).timestamp


def report_times(nareis: Nareis, repeat: int) -> dict[str, float]:
    """Milliseconds of the deadline report's first page with its counts, as known now and as
    known halfway through the log; of page 50; and of the caseload."""
    app, everything = nareis.application, CaseListFilter()
    known_at = halfway(app)

    def page(number: int, known: datetime | None = None) -> Callable[[], object]:
        return lambda: app.list_cases(everything, number, PAGE_SIZE, TODAY, known)

    return {
        "report": milliseconds(page(1), repeat),
        "report_known_at": milliseconds(page(1, known_at), repeat),
        "page_50": milliseconds(page(50), repeat),
        "caseload": milliseconds(lambda: app.caseload(TODAY), repeat),
    }


def report_figures(small: dict[str, float], large: dict[str, float], sizes: tuple[int, int],
                   ) -> list[Figure]:
    few, many = (f"{n // 1000}k" for n in sizes)
    cases = {"cases": sizes[0], "page_size": PAGE_SIZE, "as_of": str(TODAY)}
    more = cases | {"cases": sizes[1]}
    known = {"known_at": "halfway through the log"}
    return [
        Figure("report_10k", small["report"], "ms", scale=cases),
        Figure("report_10k_known_at", small["report_known_at"], "ms", scale=cases | known),
        Figure("report_100k", large["report"], "ms", small["report"], f"report at {few}",
               Goal("ratio", "<=", 1.5), more),
        Figure("report_100k_known_at", large["report_known_at"], "ms", small["report_known_at"],
               f"report_known_at at {few}", Goal("ratio", "<=", 1.5), more | known),
        Figure("page_50_of_1000", large["page_50"], "ms", large["report"],
               f"page 1 at {many}", Goal("ratio", "<=", 2.0), more | {"page": 50}),
        Figure("caseload_100k", large["caseload"], "ms", goal=Goal("value", "<=", 100),
               scale=more),
    ]


def projected(log: Path, folder: Path) -> Nareis:
    return nareis_on(working_copy(log, folder))
