"""The read model answers every (as_of, known_at) pair like the cases themselves: corrections of
the sponsor, excusable lateness, instants at the edge of the range."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import get_args

from application.commands import (
    CorrectSponsorDetails,
    GrantSponsorPermit,
    OpenCase,
    RecordArrival,
    RecordAssessment,
    RegisterMember,
    SubmitApplication,
)
from application.projections import CaseListFilter, PermitRow, Row
from domain.vocabulary import Route
from infrastructure.composition import Nareis
from infrastructure.sqlite_read_model import SQLiteReadModel
from tests.integration.conftest import CTX, D, a_partner, a_sponsor, granted_member_case

LAST_INSTANT = datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)


def listed(nareis: Nareis, as_of: date, known_at: datetime | None, **where) -> dict[str, tuple]:
    answer = nareis.application.list_cases(CaseListFilter(**where), 1, 1000, as_of, known_at)
    return {c.case_id: (c.sponsor_name, c.status, c.term_ends_on) for c in answer.report.cases}


def route_of(nareis: Nareis, case_id: str, as_of: date, known_at: datetime | None) -> Route:
    [member] = nareis.application.eligibility(case_id, as_of, known_at).members
    return member.route


def routes_listed(nareis: Nareis, as_of: date, known_at: datetime | None) -> dict[str, set]:
    return {route: set(listed(nareis, as_of, known_at, route=route)) for route in Route}


def last_recorded_at(nareis: Nareis, case_id: str) -> datetime:
    return nareis.application.history(case_id)[-1].recorded_at


def case_with_a_member(nareis: Nareis) -> tuple[str, str]:
    """Sponsor arrived 2025-05-28, granted 2025-11-30 (the term ends 2026-03-02), a partner."""
    app = nareis.application
    case_id = app.execute(OpenCase(a_sponsor()), CTX).case_id
    app.execute(GrantSponsorPermit(case_id, D("2025-11-30"), "independent"), CTX)
    member_id = app.execute(RegisterMember(case_id, a_partner()), CTX).member_id
    assert member_id is not None
    return case_id, member_id


def test_a_listing_as_known_before_a_sponsor_correction_shows_the_sponsor_and_route_known_then(
    nareis: Nareis,
):
    app = nareis.application
    case_id, member_id = case_with_a_member(nareis)
    app.execute(RecordArrival(case_id, member_id, D("2025-05-28")), CTX)  # with the sponsor
    before = last_recorded_at(nareis, case_id)
    corrected = replace(a_sponsor(), name="Amal Haddad", arrived_on=D("2025-05-20"))
    app.execute(
        CorrectSponsorDetails(case_id, corrected, correction_reason="arrival date misread"), CTX
    )
    nareis.catch_up()
    as_of = D("2026-06-01")  # the term has expired and there is no application

    assert route_of(nareis, case_id, as_of, before) == Route.NAREIS
    assert routes_listed(nareis, as_of, before) == {Route.NAREIS: {case_id}, Route.REGULAR: set()}
    assert listed(nareis, as_of, before)[case_id][0] == "Amal"
    assert route_of(nareis, case_id, as_of, None) == Route.REGULAR
    assert routes_listed(nareis, as_of, None) == {Route.NAREIS: set(), Route.REGULAR: {case_id}}
    assert listed(nareis, as_of, None)[case_id][0] == "Amal Haddad"


def test_an_excusable_late_application_puts_the_member_on_the_nareis_route_from_its_assessment(
    nareis: Nareis,
):
    app = nareis.application
    case_id, member_id = case_with_a_member(nareis)
    app.execute(SubmitApplication(case_id, member_id, D("2026-03-10"), "mvv_abroad"), CTX)  # late
    criterion = "late_application_excusable"
    app.execute(RecordAssessment(case_id, member_id, D("2026-03-20"), criterion, "met", "ill"), CTX)
    met_known = last_recorded_at(nareis, case_id)
    app.execute(
        RecordAssessment(case_id, member_id, D("2026-04-10"), criterion, "not_met", ""), CTX
    )
    # Two findings on one day: the later recorded counts.
    app.execute(
        RecordAssessment(case_id, member_id, D("2026-05-01"), criterion, "not_met", ""), CTX
    )
    app.execute(RecordAssessment(case_id, member_id, D("2026-05-01"), criterion, "met", ""), CTX)
    nareis.catch_up()

    expected = {
        (D("2026-03-15"), None): Route.REGULAR,  # not assessed yet on that day
        (D("2026-04-01"), None): Route.NAREIS,
        (D("2026-04-20"), None): Route.REGULAR,  # the later finding is not met
        (D("2026-04-20"), met_known): Route.NAREIS,  # ... but was not known yet
        (D("2026-05-02"), None): Route.NAREIS,  # the tie: the later recorded is met
    }
    for (as_of, known_at), route in expected.items():
        assert route_of(nareis, case_id, as_of, known_at) == route, (as_of, known_at)
        other = Route.NAREIS if route == Route.REGULAR else Route.REGULAR
        assert routes_listed(nareis, as_of, known_at) == {route: {case_id}, other: set()}, (
            as_of,
            known_at,
        )
    caseload = app.caseload(D("2026-04-01")).report
    assert caseload.applications == {"timely": 0, "late": 1}  # still a late application


def test_the_last_representable_instant_as_known_at_answers_like_known_now(nareis: Nareis):
    granted_member_case(nareis, member_v_number="2000000001")
    case_id, _ = case_with_a_member(nareis)
    nareis.application.execute(
        GrantSponsorPermit(
            case_id, D("2026-01-15"), "independent", correction_reason="wrong letter"
        ),
        CTX,
    )
    nareis.catch_up()
    app, view, as_of = nareis.application, nareis.read_model.view, D("2026-03-20")

    for where in ({}, {"status": "open"}, {"route": "nareis"}, {"stage": "permit_issued"}):
        assert listed(nareis, as_of, LAST_INSTANT, **where) == listed(nareis, as_of, None, **where)
    now = app.list_cases(CaseListFilter(), 1, 100, as_of).report
    assert app.list_cases(CaseListFilter(), 1, 100, as_of, LAST_INSTANT).report == now
    assert app.caseload(as_of, LAST_INSTANT).report == app.caseload(as_of).report
    assert view.holds_dependent_permit("2000000001", as_of, LAST_INSTANT)
    assert now.counts == {"awaiting_grant": 0, "open": 1, "expired": 1}


def test_every_kind_of_row_the_projection_makes_has_a_write_of_its_own():
    kinds = {*get_args(Row), PermitRow}
    assert kinds <= set(SQLiteReadModel._WRITES)
