"""`nareis rebuild` against a live database: the read model is rebuilt beside the one that serves
and swapped in one transaction, so readers never see a half-built model, while commands are
recorded and projected all along."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from application.commands import OpenCase
from application.projections import CaseListFilter, ReadModelProjection, catch_up
from application.seeding import CaseGenerator
from infrastructure.composition import Nareis
from tests.integration.conftest import CTX, a_sponsor, open_system, sql_rows

NAREIS = Path(sys.executable).parent / "nareis"
CASES = 200
AS_OF = date(2026, 11, 28)


def cases_counted(nareis: Nareis) -> int:
    """Every case, as the read model counts them in one read."""
    return sum(nareis.read_model.view.status_counts(AS_OF, None).values())


class Reader(threading.Thread):
    """Reads the case count again and again, each in a read of its own, until stopped."""

    def __init__(self, nareis: Nareis) -> None:
        super().__init__(daemon=True)
        self.nareis, self.seen, self.stop = nareis, [cases_counted(nareis)], threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.seen.append(cases_counted(self.nareis))


class Writer(threading.Thread):
    """Opens cases, one command after another, until stopped (the live projection follows)."""

    def __init__(self, nareis: Nareis) -> None:
        super().__init__(daemon=True)
        self.nareis, self.opened, self.stop = nareis, 0, threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.02):
            v_number = str(3_000_000_000 + self.opened)
            self.nareis.application.execute(OpenCase(a_sponsor(v_number)), CTX)
            self.opened += 1


def test_a_rebuild_under_load_never_shows_readers_a_partial_model(database_url: str) -> None:
    nareis = open_system(database_url)
    generated = CaseGenerator(seed=8, today=AS_OF).cases(CASES)
    nareis.application.save_new_cases(*generated)
    nareis.catch_up()
    nareis.start_projections()
    reader, writer = Reader(nareis), Writer(nareis)
    reader.start()
    writer.start()
    try:
        rebuilt = subprocess.run(
            [NAREIS, "rebuild", "--batch-size", "50"],
            env={**os.environ, "NAREIS_DATABASE_URL": database_url},
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        writer.stop.set()
        writer.join()
        reader.stop.set()
        reader.join()
    assert rebuilt.returncode == 0, rebuilt.stderr[-3000:]
    assert len(reader.seen) > 20, "the reader did not read while the rebuild ran"
    dips = [(a, b) for a, b in zip(reader.seen, reader.seen[1:], strict=False) if b < a]
    assert reader.seen[0] >= CASES and not dips, f"a reader saw the count fall: {dips[:5]}"
    assert writer.opened > 0
    nareis.catch_up()
    assert cases_counted(nareis) == CASES + writer.opened
    scratch = nareis.scratch_read_model()
    catch_up(nareis.application, ReadModelProjection(scratch))
    assert nareis.read_model.view.dump() == scratch.dump()
    nareis.close()


FILTERS = (
    CaseListFilter(),
    CaseListFilter(status="open"),
    CaseListFilter(days_left_at_most=30),
    CaseListFilter(route="regular"),
    CaseListFilter(route="nareis", stage="applied"),
)


def answers(nareis: Nareis, v_numbers: list[str], earlier: datetime) -> list[Any]:
    """What the read model answers: listings with every kind of filter, the caseload and the
    dependent-permit lookup, as known now and as known at an earlier instant."""
    app, view = nareis.application, nareis.read_model.view
    found: list[Any] = []
    for known_at in (None, earlier):
        for on in (date(2026, 3, 1), AS_OF):
            found += [app.list_cases(where, 1, 1000, on, known_at) for where in FILTERS]
            found.append(app.caseload(on, known_at))
            found += [view.holds_dependent_permit(v, on, known_at) for v in v_numbers]
    return found


def test_after_a_rebuild_into_either_set_of_tables_every_report_answers_as_before(
    database_url: str,
) -> None:
    nareis = open_system(database_url)
    generated = CaseGenerator(seed=9, today=AS_OF)
    nareis.application.save_new_cases(*generated.cases(40))
    earlier = datetime.now(UTC)
    nareis.application.save_new_cases(*generated.cases(40))
    nareis.catch_up()
    members = sql_rows(database_url, "SELECT v_number FROM rm_members WHERE v_number IS NOT NULL")
    v_numbers = sorted({v for (v,) in members})
    assert any(nareis.read_model.view.holds_dependent_permit(v, AS_OF) for v in v_numbers)
    before = answers(nareis, v_numbers, earlier)
    for _ in range(2):  # into the spare tables, then back into the first ones
        assert nareis.rebuild(batch_size=100) > 0
        assert answers(nareis, v_numbers, earlier) == before
    nareis.close()
