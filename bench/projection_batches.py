"""The read-model projection on PostgreSQL: our catch-up loop (a batch of events per transaction
with its tracking position) against one transaction per event, the way the library's
`ProjectionRunner` applies events (`process_event` records each event with its own tracking).

Both project the same generated cases into the empty read model of a fresh database on one
durable throwaway cluster, in interleaved rounds; the median of the rounds is reported.

    .venv/bin/python -m bench.projection_batches [--cases 1000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import date

from application.projections import CATCH_UP_BATCH, catch_up
from application.seeding import CaseGenerator
from bench.stores import DurableCluster
from infrastructure.composition import Nareis, build
from infrastructure.settings import Settings


def seeded(url: str, cases: int) -> Nareis:
    system = build(Settings(database_url=url, projections_in_process=False))
    generated = list(CaseGenerator(seed=1, today=date(2026, 11, 28)).cases(cases))
    for start in range(0, len(generated), 200):
        system.application.save_new_cases(*generated[start : start + 200])
    return system


def events_per_second(url: str, cases: int, batch_size: int) -> float:
    """A fresh database seeded with the same cases, projected from nothing."""
    system = seeded(url, cases)
    try:
        started = time.perf_counter()
        applied = catch_up(system.application, system.read_model, batch_size=batch_size)
        return applied / (time.perf_counter() - started)
    finally:
        system.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    rates: dict[int, list[float]] = {CATCH_UP_BATCH: [], 1: []}
    with DurableCluster() as pg:
        for _ in range(args.rounds):
            for batch_size in rates:
                url = pg.new_database("batches")
                rates[batch_size].append(events_per_second(url, args.cases, batch_size))
    print(f"projecting {args.cases} generated cases on PostgreSQL, median of {args.rounds} rounds")
    for batch_size, measured in rates.items():
        label = f"{batch_size} event(s) per transaction"
        rounds = ", ".join(f"{r:,.0f}" for r in measured)
        print(f"{label:32} {statistics.median(measured):10,.0f} events/s   ({rounds})")


if __name__ == "__main__":
    main()
