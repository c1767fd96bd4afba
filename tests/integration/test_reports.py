"""A differential test of the read model: every answer it gives (the case listing and each of its
filters, the deadline counts, the caseload, the dependent-permit lookup) against the answer
computed from the cases themselves, as known then, for many (as_of, known_at) pairs.

The histories are generated with corrections of every kind and saved in rounds; the instants
between rounds, and instants just before a correction inside one case, fall before, between and
after corrections. The projection catches up between rounds too, so rows are applied incrementally.
DIFFERENTIAL_HISTORIES=2000 runs a larger variant by hand.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import pytest

from application.projections import CaseListFilter, ReadModelProjection, catch_up
from application.seeding import EVERY_CORRECTION, CaseGenerator
from domain.case import Case
from domain.deadline import case_deadline
from domain.eligibility import evaluate_case
from domain.errors import CaseNotFound
from domain.facts import CaseFacts
from domain.term import PERMIT_READY_TARGET_DAYS, permit_ready_within_target
from domain.vocabulary import Route, Stage
from infrastructure.composition import Nareis
from tests.integration.conftest import open_system
from tests.stores import STORES

HISTORIES = int(os.environ.get("DIFFERENTIAL_HISTORIES", "150"))
ROUNDS = 2  # rounds of later corrections after the cases are opened
TODAY = date(2026, 11, 28)
AS_OF_DATES = (
    date(2024, 6, 1),
    date(2025, 3, 1),
    date(2025, 11, 30),
    date(2026, 3, 2),
    date(2026, 6, 1),
    TODAY,
)
STATUSES = ("awaiting_grant", "open", "expired")
DAYS_LEFT = (0, 7, 30, 90)
MICROSECOND = timedelta(microseconds=1)


@dataclass
class Histories:
    nareis: Nareis
    case_ids: list[str]
    instants: dict[str, datetime | None]
    sponsor_v_numbers: set[str]
    compared: Counter = field(default_factory=Counter)


def now() -> datetime:
    return datetime.now(UTC)


def save_in_halves(nareis: Nareis, cases: list[Case], label: str, instants: dict) -> None:
    half = len(cases) // 2
    nareis.application.save(*cases[:half])
    instants[f"halfway through {label}"] = now()
    nareis.catch_up()
    nareis.application.save(*cases[half:])
    instants[f"after {label}"] = now()


def instants_inside_cases(nareis: Nareis, case_ids: list[str]) -> dict[str, datetime]:
    """Just before, and at, a correction in the middle of a case's history."""
    inside = {}
    for case_id in case_ids[:: max(len(case_ids) // 3, 1)]:
        corrections = [e for e in nareis.application.history(case_id) if e.changes]
        if corrections:
            at = corrections[len(corrections) // 2].recorded_at
            inside[f"just before a correction in {case_id[:8]}"] = at - MICROSECOND
            inside[f"at a correction in {case_id[:8]}"] = at
    return inside


@pytest.fixture(scope="module", params=STORES)
def histories(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[Histories]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('differential') / 'nareis.db'}"
    else:
        url = request.getfixturevalue("postgres_cluster").new_database("differential")
    nareis = open_system(url)
    app = nareis.application
    generator = CaseGenerator(seed=11, today=TODAY, mix=EVERY_CORRECTION)
    instants: dict[str, datetime | None] = {"before any case": now()}
    cases = list(generator.cases(HISTORIES))
    save_in_halves(nareis, cases, "opening the cases", instants)
    case_ids = [str(case.id) for case in cases]
    for round_number in range(1, ROUNDS + 1):
        nareis.catch_up()
        revised = [app.repository.get(case.id) for case in cases]
        for case in revised:
            generator.revise(case)
        save_in_halves(nareis, revised, f"corrections round {round_number}", instants)
    nareis.catch_up()
    instants |= instants_inside_cases(nareis, case_ids)
    instants["now"] = None
    yield Histories(nareis, case_ids, instants, set(generator.sponsor_v_numbers))
    nareis.close()


# --- the answers computed from the cases themselves ---------------------------------------------


def cases_known_at(histories: Histories, known_at: datetime | None) -> list[CaseFacts]:
    known = []
    for case_id in histories.case_ids:
        try:
            known.append(histories.nareis.application.get_case(case_id, known_at=known_at).facts)
        except CaseNotFound:
            continue
    return known


@dataclass
class Expected:
    rows: dict[str, tuple] = field(default_factory=dict)
    routes: dict[str, set[Route]] = field(default_factory=dict)
    stages: dict[str, set[Stage]] = field(default_factory=dict)
    stage_counts: Counter = field(default_factory=Counter)
    applications: Counter = field(default_factory=Counter)
    overdue: int = 0
    permits: Counter = field(default_factory=Counter)
    permit_holders: set[str] = field(default_factory=set)
    # per case: the decision due dates of its members awaiting a decision, and the decision
    # dates of its members granted without a permit yet (the work queue's filters)
    decisions_due: dict[str, list[date]] = field(default_factory=dict)
    granted_without_permit: dict[str, list[date]] = field(default_factory=dict)


def expected_on(known: list[CaseFacts], as_of: date, histories: Histories) -> Expected:
    calendar = histories.nareis.application.calendar
    expected = Expected()
    for facts in known:
        deadline = case_deadline(facts, as_of, calendar)
        term = deadline.term
        expected.rows[facts.case_id] = (
            facts.sponsor.name,
            deadline.status,
            term.granted_on if term else None,
            term.ends_on if term else None,
            deadline.days_left,
        )
        eligibility = evaluate_case(facts, as_of, False, calendar=calendar)
        expected.routes[facts.case_id] = {member.route for member in eligibility}
        members = facts.as_of(as_of).members
        expected.stages[facts.case_id] = {member.stage for member in members}
        due_on = {m.member_id: m.decision_due_on for m in deadline.members}
        expected.decisions_due[facts.case_id] = [
            due_on[m.member_id] for m in members if m.stage == Stage.APPLIED
        ]
        expected.granted_without_permit[facts.case_id] = [
            m.decision.decided_on for m in members if m.stage == Stage.GRANTED and m.decision
        ]
        expected.stage_counts.update(member.stage for member in members)
        expected.applications.update(m.application for m in deadline.members)
        expected.overdue += sum(m.overdue for m in deadline.members)
        for member in members:
            if member.permit is not None:
                assert member.decision is not None
                within = permit_ready_within_target(
                    member.decision.decided_on, member.permit.issued_on
                )
                expected.permits.update(["issued", "within_target" if within else "over_target"])
                expected.permit_holders.add(member.details.v_number or "")
    return expected


# --- the read model's answers -----------------------------------------------------------------


def listed(histories: Histories, as_of, known_at, where=CaseListFilter(), page_size=1000):
    rows, page, counts = {}, 1, None
    while page is not None:
        answer = histories.nareis.application.list_cases(where, page, page_size, as_of, known_at)
        for c in answer.report.cases:
            rows[c.case_id] = (c.sponsor_name, c.status, c.granted_on, c.term_ends_on, c.days_left)
        counts, page = answer.report.counts, answer.report.next_page
    return rows, counts


def compare_listing(histories: Histories, as_of, known_at, expected: Expected) -> None:
    rows, counts = listed(histories, as_of, known_at, page_size=37)
    assert rows == expected.rows
    statuses = Counter(status for _, status, *_ in expected.rows.values())
    assert counts == {status: statuses[status] for status in STATUSES}
    histories.compared["listing rows"] += len(rows)
    histories.compared["deadline counts"] += len(STATUSES)


def compare_filters(histories: Histories, as_of, known_at, expected: Expected) -> None:
    rows = expected.rows
    wanted: dict[CaseListFilter, set[str]] = {}
    for status in STATUSES:
        wanted[CaseListFilter(status=status)] = {c for c, r in rows.items() if r[1] == status}
    for days in DAYS_LEFT:
        wanted[CaseListFilter(days_left_at_most=days)] = {
            c for c, r in rows.items() if r[1] == "open" and r[4] <= days
        }
    for route in Route:
        wanted[CaseListFilter(route=route)] = {c for c, r in expected.routes.items() if route in r}
    for stage in Stage:
        wanted[CaseListFilter(stage=stage)] = {c for c, s in expected.stages.items() if stage in s}
    for days in DAYS_LEFT:
        due_by = as_of + timedelta(days=days)
        wanted[CaseListFilter(decision_due_within_days=days)] = {
            c for c, due in expected.decisions_due.items() if any(d <= due_by for d in due)
        }
    wanted[CaseListFilter(permit_over_target=True)] = {
        c
        for c, decided in expected.granted_without_permit.items()
        if any((as_of - d).days > PERMIT_READY_TARGET_DAYS for d in decided)
    }
    for where, cases in wanted.items():
        if where.decision_due_within_days is not None or where.permit_over_target:
            histories.compared["work-queue cases matched"] += len(cases)
    for where, cases in wanted.items():
        assert set(listed(histories, as_of, known_at, where)[0]) == cases, where
        histories.compared["filter answers (case by case)"] += len(rows)


def compare_caseload(histories: Histories, as_of, known_at, expected: Expected) -> None:
    caseload = histories.nareis.application.caseload(as_of, known_at).report
    assert caseload.stages == {stage: expected.stage_counts[stage] for stage in Stage}
    assert caseload.applications == {
        "timely": expected.applications["timely"],
        "late": expected.applications["late"],
    }
    assert caseload.overdue_decisions == expected.overdue
    assert caseload.permits == {
        k: expected.permits[k] for k in ("issued", "within_target", "over_target")
    }
    histories.compared["caseload figures"] += len(Stage) + 2 + 1 + 3


def compare_dependent_permits(histories: Histories, as_of, known_at, expected: Expected) -> None:
    view = histories.nareis.read_model.view
    for v_number in histories.sponsor_v_numbers:
        holds = view.holds_dependent_permit(v_number, as_of, known_at)
        assert holds == (v_number in expected.permit_holders), (v_number, as_of, known_at)
    histories.compared["dependent-permit lookups"] += len(histories.sponsor_v_numbers)


def test_every_read_model_answer_equals_the_cases_themselves_for_every_as_of_and_known_at(
    histories: Histories, capsys
):
    pairs = 0
    for label, known_at in histories.instants.items():
        known = cases_known_at(histories, known_at)
        for as_of in AS_OF_DATES:
            expected = expected_on(known, as_of, histories)
            context = f"as_of {as_of}, known_at {label} ({known_at})"
            for compare in (
                compare_listing,
                compare_filters,
                compare_caseload,
                compare_dependent_permits,
            ):
                try:
                    compare(histories, as_of, known_at, expected)
                except AssertionError as error:
                    raise AssertionError(f"{context}: {compare.__name__}: {error}") from None
            pairs += 1
    total = sum(histories.compared.values())
    with capsys.disabled():
        print(
            f"\ndifferential read model: {len(histories.case_ids)} histories, {pairs} (as_of, "
            f"known_at) pairs, {total:,} answers compared ({dict(histories.compared)})"
        )
    assert pairs == len(histories.instants) * len(AS_OF_DATES)
    assert histories.compared["work-queue cases matched"] > 0, "the work queue's filters matched nothing"


def test_the_histories_hold_every_kind_of_correction_and_reach_every_answer(histories):
    app = histories.nareis.application
    events = Counter()
    position = 0
    while notifications := app.recorder.select_notifications(start=position + 1, limit=1000):
        events.update(n.topic.rsplit(".", 1)[-1] for n in notifications)
        position = notifications[-1].id
    for kind in (
        "SponsorDetailsCorrected",
        "SponsorPermitGrantCorrected",
        "FamilyMemberDetailsCorrected",
        "FamilyMemberArrivalCorrected",
        "ApplicationCorrected",
        "ApplicationWithdrawn",
        "DecisionPeriodExtended",
        "PermitIssued",
    ):
        assert events[kind] >= 3, (kind, events)
    on = date(2026, 3, 2)
    expected = expected_on(cases_known_at(histories, None), on, histories)
    assert {r[1] for r in expected.rows.values()} == set(STATUSES)
    assert set(expected.stage_counts) == set(Stage)
    assert set().union(*expected.routes.values()) == set(Route)
    assert expected.applications["late"] and expected.overdue and expected.permits["over_target"]
    assert expected.permit_holders & histories.sponsor_v_numbers, "no cross-case permit holder"
    # Some answers differ as known at the instants between rounds: the corrections matter.
    before, after = (histories.instants[k] for k in ("after opening the cases", "now"))
    assert expected_on(cases_known_at(histories, before), on, histories).rows != expected.rows
    assert listed(histories, on, before)[0] != listed(histories, on, after)[0]


def test_excusable_lateness_findings_both_met_and_not_met_are_in_the_histories(histories):
    outcomes = Counter()
    for facts in cases_known_at(histories, None):
        for member in facts.members:
            outcomes.update(
                a.outcome for a in member.assessments if a.criterion == "late_application_excusable"
            )
    assert outcomes["met"] >= 3 and outcomes["not_met"] >= 3, outcomes


def test_a_rebuild_equals_the_incrementally_built_read_model(histories):
    view = histories.nareis.read_model.view
    incremental = view.dump()
    scratch = histories.nareis.scratch_read_model()
    catch_up(histories.nareis.application, ReadModelProjection(scratch), batch_size=37)
    assert scratch.dump() == incremental
    assert sum(len(rows) for rows in incremental.values()) > 1000
