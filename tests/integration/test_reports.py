"""Every report figure against a brute-force computation from the events, on a few hundred
generated cases, for several (as_of, known_at) pairs; rebuild equals incremental."""

from __future__ import annotations

import contextlib
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from application.projections import CaseListFilter
from application.seeding import CaseGenerator
from application.service import CommandContext
from domain.deadline import application_timeliness, case_deadline, is_overdue
from domain.eligibility import evaluate_member, term_as_of
from domain.errors import CaseNotFound, NareisError
from domain.term import permit_ready_within_target
from domain.vocabulary import ApplicationTimeliness, Route
from infrastructure.composition import Nareis
from tests.integration.conftest import open_system

TODAY = date(2026, 11, 28)
AS_OF_DATES = (date(2025, 3, 1), date(2026, 1, 15), date(2026, 6, 1), TODAY)


@dataclass
class Seeded:
    nareis: Nareis
    case_ids: list[str]
    instants: list[datetime | None]


def save_generated(nareis: Nareis, generator: CaseGenerator, count: int) -> list[str]:
    cases = list(generator.cases(count))
    for start in range(0, count, 100):
        nareis.application.save(*cases[start : start + 100])
    return [str(c.id) for c in cases]


def correct_some_grants(nareis: Nareis, case_ids: list[str]) -> None:
    app, ctx = nareis.application, CommandContext("auditor-fix")
    for case_id in case_ids[::7]:
        grant = app.get_case(case_id).facts.grant
        if grant is not None:
            with contextlib.suppress(NareisError):
                app.grant_sponsor_permit(
                    case_id,
                    date.fromordinal(grant.granted_on.toordinal() + 20),
                    "independent",
                    "wrong grant letter",
                    ctx,
                )


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> Seeded:
    nareis = open_system(tmp_path_factory.mktemp("reports") / "nareis.db")
    generator = CaseGenerator(seed=11, today=TODAY)
    first = save_generated(nareis, generator, 180)
    nareis.catch_up()
    time.sleep(0.002)
    after_first = datetime.now(UTC)
    time.sleep(0.002)
    second = save_generated(nareis, generator, 120)
    correct_some_grants(nareis, first)
    nareis.catch_up()
    time.sleep(0.002)
    after_corrections = datetime.now(UTC)
    yield Seeded(nareis, first + second, [after_first, after_corrections, None])
    nareis.close()


def known_cases(seeded: Seeded, known_at: datetime | None):
    for case_id in seeded.case_ids:
        try:
            yield seeded.nareis.application.get_case(case_id, known_at=known_at).facts
        except CaseNotFound:
            continue


def brute_force(seeded: Seeded, as_of: date, known_at: datetime | None, with_routes=False):
    statuses, stages, applications = {}, Counter(), Counter()
    overdue, permits, within, routes = 0, 0, 0, {}
    for facts in known_cases(seeded, known_at):
        deadline = case_deadline(facts, as_of)
        statuses[facts.case_id] = (
            deadline.status,
            deadline.term.ends_on if deadline.term else None,
            deadline.days_left,
        )
        on = facts.as_of(as_of)
        term = term_as_of(on)
        case_routes = set()
        for member in on.members:
            stages[member.stage] += 1
            timeliness = application_timeliness(member, term)
            if timeliness != ApplicationTimeliness.NONE:
                applications[timeliness] += 1
            overdue += is_overdue(member, as_of)
            if member.permit is not None:
                permits += 1
                within += permit_ready_within_target(
                    member.decision.decided_on, member.permit.issued_on
                )
            if with_routes:
                case_routes.add(evaluate_member(facts, member.member_id, as_of, False).route)
        routes[facts.case_id] = case_routes
    return statuses, stages, applications, overdue, (permits, within), routes


def all_listed(seeded: Seeded, as_of, known_at, where=CaseListFilter()) -> dict:
    listed, page = {}, 1
    while page is not None:
        answer = seeded.nareis.application.list_cases(where, page, 97, as_of, known_at).report
        for case in answer.cases:
            listed[case.case_id] = (case.status, case.term_ends_on, case.days_left)
        page = answer.next_page
    return listed


PAIRS = [(as_of, k) for as_of in AS_OF_DATES for k in range(3)]
IDS = [
    f"as_of {as_of} known_at {('after first load', 'after corrections', 'now')[k]}"
    for as_of, k in PAIRS
]


@pytest.mark.parametrize(("as_of", "known"), PAIRS, ids=IDS)
def test_the_deadline_report_equals_a_brute_force_count_from_the_events(seeded, as_of, known):
    known_at = seeded.instants[known]
    statuses, *_ = brute_force(seeded, as_of, known_at)
    report = seeded.nareis.application.list_cases(CaseListFilter(), 1, 100, as_of, known_at).report
    assert report.counts == dict(Counter(s for s, _, _ in statuses.values())) | {
        k: 0
        for k in ("awaiting_grant", "open", "expired")
        if k not in Counter(s for s, _, _ in statuses.values())
    }
    assert all_listed(seeded, as_of, known_at) == statuses


@pytest.mark.parametrize(("as_of", "known"), PAIRS, ids=IDS)
def test_the_caseload_report_equals_a_brute_force_count_from_the_events(seeded, as_of, known):
    known_at = seeded.instants[known]
    _, stages, applications, overdue, (permits, within), _ = brute_force(seeded, as_of, known_at)
    caseload = seeded.nareis.application.caseload(as_of, known_at).report
    assert {k: v for k, v in caseload.stages.items() if v} == dict(stages)
    assert caseload.applications == {"timely": applications["timely"], "late": applications["late"]}
    assert caseload.overdue_decisions == overdue
    assert caseload.permits == {
        "issued": permits,
        "within_target": within,
        "over_target": permits - within,
    }


@pytest.mark.parametrize("as_of", [date(2026, 1, 15), TODAY], ids=str)
def test_every_case_list_filter_selects_exactly_the_brute_force_cases(seeded, as_of):
    known_at = seeded.instants[1]
    statuses, *_, routes = brute_force(seeded, as_of, known_at, with_routes=True)
    for status in ("awaiting_grant", "open", "expired"):
        listed = all_listed(seeded, as_of, known_at, CaseListFilter(status=status))
        assert set(listed) == {c for c, (s, _, _) in statuses.items() if s == status}
    within_30 = all_listed(seeded, as_of, known_at, CaseListFilter(days_left_at_most=30))
    assert set(within_30) == {c for c, (s, _, d) in statuses.items() if s == "open" and d <= 30}
    for route in Route:
        listed = all_listed(seeded, as_of, known_at, CaseListFilter(route=route))
        assert set(listed) == {c for c, r in routes.items() if route in r}


def test_every_stage_filter_selects_the_cases_with_a_member_at_that_stage(seeded):
    as_of, known_at = TODAY, None
    for stage in ("registered", "applied", "granted", "refused", "withdrawn", "permit_issued"):
        expected = {
            facts.case_id
            for facts in known_cases(seeded, known_at)
            if any(m.stage == stage for m in facts.as_of(as_of).members)
        }
        listed = all_listed(seeded, as_of, known_at, CaseListFilter(stage=stage))
        assert set(listed) == expected, stage


def test_the_generated_mix_reaches_every_status_stage_and_route(seeded):
    statuses, stages, applications, overdue, (permits, within), routes = brute_force(
        seeded, date(2026, 1, 15), None, with_routes=True
    )
    assert {s for s, _, _ in statuses.values()} == {"awaiting_grant", "open", "expired"}
    assert set(stages) == {
        "registered",
        "applied",
        "granted",
        "refused",
        "withdrawn",
        "permit_issued",
    }
    assert applications["late"] and applications["timely"] and overdue
    assert 0 < within < permits
    assert {Route.REGULAR, Route.NAREIS} <= set().union(*routes.values())


def test_a_rebuild_equals_the_incrementally_built_read_model(seeded):
    view = seeded.nareis.read_model.view
    incremental = view.dump()
    scratch = seeded.nareis.scratch_read_model()
    from application.projections import ReadModelProjection, catch_up

    catch_up(seeded.nareis.application, ReadModelProjection(scratch), batch_size=37)
    assert scratch.dump() == incremental
    assert sum(len(rows) for rows in incremental.values()) > 1000
