"""`replay --verify`: rebuild every derived view from the event log alone and compare.

Derived state in Nareis: the snapshots of each case, what the repository serves for each case
(snapshot + later events, possibly cached), the answers computed from it (deadline and eligibility),
the dependent-permit index the commands keep, and the read model (every report's rows, the
dependent-permit holders among them). Each is rebuilt here from nothing but the stored events.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from application.permit_index import (
    case_holdings,
    expected_holdings,
    holdings_differences,
    originator_ids,
    stored_holdings,
)
from application.projections import ReadModelProjection, ReadModelView, catch_up
from application.service import NareisApplication
from domain.case import Case
from domain.deadline import case_deadline
from domain.eligibility import evaluate_case
from domain.permit_index import Holding

BATCH = 500
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Difference:
    view: str
    key: str
    stored: Any
    rebuilt: Any


def case_ids(app: NareisApplication) -> Iterator[UUID]:
    """Every case, in the order they were opened (from the notification log)."""
    return originator_ids(app, get_topic(Case.CaseOpened))


def rebuild_read_model(app: NareisApplication, fresh: ReadModelView, up_to: int | None) -> None:
    """Project the event log into `fresh`, up to notification `up_to` (to the end when None)."""
    catch_up(app, ReadModelProjection(fresh, app.calendar), BATCH, stop=up_to)


def compare_rows(view: str, stored: dict[str, list[tuple]], rebuilt: dict[str, list[tuple]]):
    for table in sorted(set(stored) | set(rebuilt)):
        stored_rows, rebuilt_rows = set(stored.get(table, [])), set(rebuilt.get(table, []))
        for row in sorted(stored_rows - rebuilt_rows, key=str):
            yield Difference(f"{view}.{table}", str(row[:2]), row, None)
        for row in sorted(rebuilt_rows - stored_rows, key=str):
            yield Difference(f"{view}.{table}", str(row[:2]), None, row)


def verify_case(
    app: NareisApplication,
    case_uuid: UUID,
    on: date,
    rebuilt_view: ReadModelView,
    holdings: set[Holding],
) -> Iterator[Difference]:
    """The differences found in one case; adds the holdings of the replayed case to `holdings`."""
    key = str(case_uuid)
    replayed = yield from replay_checking_snapshots(app, case_uuid)
    holdings |= case_holdings(replayed)
    served = app.repository.get(case_uuid)
    if served.facts() != replayed.facts() or served.version != replayed.version:
        yield Difference(
            "case", key, (served.version, served.facts()), (replayed.version, replayed.facts())
        )
        return
    if replayed.erasure is not None:
        return  # its deadline and eligibility are gone with its personal data (410)
    served_deadline = case_deadline(served.facts(), on, app.calendar)
    rebuilt_deadline = case_deadline(replayed.facts(), on, app.calendar)
    if served_deadline != rebuilt_deadline:
        yield Difference("deadline", key, served_deadline, rebuilt_deadline)
    v_number = served.sponsor.v_number
    # Served known now, the sponsor's answer comes from the index; rebuilt, from the read model.
    served_answer = evaluate_case(
        served.facts(),
        on,
        app.permit_index.holds_dependent_permit(v_number, on),
        calendar=app.calendar,
    )
    rebuilt_answer = evaluate_case(
        replayed.facts(),
        on,
        rebuilt_view.holds_dependent_permit(v_number, on),
        calendar=app.calendar,
    )
    if served_answer != rebuilt_answer:
        yield Difference("eligibility", key, served_answer, rebuilt_answer)


def replay_checking_snapshots(
    app: NareisApplication, case_uuid: UUID
) -> Generator[Difference, None, Case]:
    """Replay the case from its events; yield each snapshot that differs; return the case."""
    snapshots = {
        s.originator_version: s for s in (app.snapshots.get(case_uuid) if app.snapshots else [])
    }
    replayed: Case | None = None
    for event in app.events.get(case_uuid):
        replayed = event.mutate(replayed)  # type: ignore[attr-defined]
        snapshot = snapshots.get(event.originator_version)
        if snapshot is not None:
            from_snapshot = snapshot.mutate(None)  # type: ignore[attr-defined]
            if from_snapshot.facts() != replayed.facts():  # type: ignore[union-attr]
                yield Difference(
                    "snapshot",
                    f"{case_uuid}@{event.originator_version}",
                    from_snapshot.facts(),
                    replayed.facts(),
                )  # type: ignore[union-attr]
    assert replayed is not None
    return replayed


def count_cases(app: NareisApplication) -> int:
    return sum(1 for _ in case_ids(app))


def verify(
    app: NareisApplication,
    stored_view: ReadModelView,
    rebuilt_view: ReadModelView,
    on: date,
    progress: Progress | None = None,
) -> list[Difference]:
    """Every difference between what is stored or served and what the events alone give."""
    up_to = stored_view.max_tracking_id(app.name) or 0
    rebuild_read_model(app, rebuilt_view, up_to)
    differences = list(compare_rows("read_model", stored_view.dump(), rebuilt_view.dump()))
    # The cases are judged as known now, like the index the served answers read: the rebuilt
    # view must know every event too, or a permit the stored view has not caught up with yet
    # would show as a difference of eligibility.
    rebuild_read_model(app, rebuilt_view, None)
    total = count_cases(app)
    holdings: set[Holding] = set()
    for done, case_uuid in enumerate(case_ids(app), start=1):
        differences.extend(verify_case(app, case_uuid, on, rebuilt_view, holdings))
        if progress is not None:
            progress(done, total)
    differences.extend(compare_permit_index(app, holdings))
    return differences


def compare_permit_index(app: NareisApplication, holdings: set[Holding]) -> Iterator[Difference]:
    """The index the commands kept against the holdings of the replayed cases, per V-number."""
    expected = expected_holdings(app, holdings)
    for reference, stored, rebuilt in holdings_differences(expected, stored_holdings(app)):
        yield Difference("permit_index", reference, stored, rebuilt)
