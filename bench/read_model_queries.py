"""Each read-model query on one seeded database, in process (no HTTP), median and max of 5.

Run: .venv/bin/python -m bench.read_model_queries bench100k.db
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from datetime import date

from application.projections import CaseListFilter
from bench.halfway import a_member_v_number, halfway_through_the_log
from infrastructure.composition import build
from infrastructure.settings import Settings


def timed(action: Callable[[], object], repeat: int = 5) -> str:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return f"{statistics.median(samples):9.1f} {max(samples):9.1f}"


def main() -> None:
    nareis = build(Settings(database_url=f"sqlite:///{sys.argv[1]}"))
    view, on = nareis.read_model.view, date(2026, 6, 1)
    v_number = a_member_v_number(sys.argv[1])
    known = halfway_through_the_log(sys.argv[1])
    queries: dict[str, Callable[[], object]] = {
        "status counts": lambda: view.status_counts(on, None),
        "status counts, known_at": lambda: view.status_counts(on, known),
        "deadline list, page 1 of 100": lambda: view.list_cases(on, None, CaseListFilter(), 1, 100),
        "deadline list, page 1, known_at": lambda: view.list_cases(
            on, known, CaseListFilter(), 1, 100
        ),
        "deadline list, page 50 of 1,000": lambda: view.list_cases(
            on, None, CaseListFilter(), 50, 1000
        ),
        "cases, status=open": lambda: view.list_cases(
            on, None, CaseListFilter(status="open"), 1, 100
        ),
        "cases, stage=granted": lambda: view.list_cases(
            on, None, CaseListFilter(stage="granted"), 1, 100
        ),
        "cases, route=regular": lambda: view.list_cases(
            on, None, CaseListFilter(route="regular"), 1, 100
        ),
        "cases, route=nareis, known_at": lambda: view.list_cases(
            on, known, CaseListFilter(route="nareis"), 1, 100
        ),
        "caseload": lambda: view.caseload(on, None),
        "caseload, known_at": lambda: view.caseload(on, known),
        "dependent-permit lookup": lambda: view.holds_dependent_permit(v_number, on),
        "dependent-permit lookup, known_at": lambda: view.holds_dependent_permit(
            v_number, on, known
        ),
    }
    print(f"{'query':34} {'median ms':>9} {'max ms':>9}")
    for label, query in queries.items():
        print(f"{label:34} {timed(query)}")
    nareis.close()


if __name__ == "__main__":
    main()
