"""EXPLAIN QUERY PLAN of the hot read-model queries on one seeded database.

Each query is run once through the read model while its statements are captured, then each captured
statement is explained on a plain connection, so the plans are those of the SQL the view really
sends. Run: .venv/bin/python -m bench.query_plans bench10k.db [--analyze]
"""

from __future__ import annotations

import argparse
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from eventsourcing.sqlite import SQLiteCursor

from application.projections import CaseListFilter
from bench.halfway import a_member_v_number, halfway_through_the_log
from infrastructure.composition import build
from infrastructure.settings import Settings


@contextmanager
def captured() -> Iterator[list[tuple[str, Any]]]:
    statements: list[tuple[str, Any]] = []
    original = SQLiteCursor.execute

    def execute(self: SQLiteCursor, statement: Any, *args: Any, **kwargs: Any) -> None:
        if str(statement).lstrip().upper().startswith(("SELECT", "WITH")):
            statements.append((str(statement), args[0] if args else ()))
        return original(self, statement, *args, **kwargs)

    SQLiteCursor.execute = execute  # type: ignore[method-assign]
    try:
        yield statements
    finally:
        SQLiteCursor.execute = original  # type: ignore[method-assign]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("database")
    parser.add_argument("--analyze", action="store_true", help="run ANALYZE first")
    args = parser.parse_args()
    if args.analyze:
        with sqlite3.connect(args.database) as raw:
            raw.execute("ANALYZE")
    nareis = build(Settings(database_url=f"sqlite:///{args.database}"))
    view, on = nareis.read_model.view, date(2026, 6, 1)
    v_number = a_member_v_number(args.database)
    known = halfway_through_the_log(args.database)
    queries: dict[str, Callable[[], object]] = {
        "list page 1, as known now": lambda: view.list_cases(on, None, CaseListFilter(), 1, 100),
        "list page 1, known_at": lambda: view.list_cases(on, known, CaseListFilter(), 1, 100),
        "status counts, known_at": lambda: view.status_counts(on, known),
        "cases, route=regular": lambda: view.list_cases(
            on, None, CaseListFilter(route="regular"), 1, 100
        ),
        "caseload, as known now": lambda: view.caseload(on, None),
        "caseload, known_at": lambda: view.caseload(on, known),
        "dependent-permit lookup": lambda: view.holds_dependent_permit(v_number, on),
        "dependent-permit lookup, known_at": lambda: view.holds_dependent_permit(
            v_number, on, known
        ),
    }
    raw = sqlite3.connect(f"file:{args.database}?mode=ro", uri=True)
    for label, query in queries.items():
        with captured() as statements:
            query()
        print(f"== {label}")
        for statement, params in statements:
            if "tracking" in statement or "rm_meta" in statement:
                continue
            print("  " + " ".join(statement.split())[:160])
            for row in raw.execute(f"EXPLAIN QUERY PLAN {statement}", params):
                print(f"    {row[3]}")
    raw.close()
    nareis.close()


if __name__ == "__main__":
    main()
