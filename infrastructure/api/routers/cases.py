"""The case resource: open a case, the sponsor and the grant; read the case, its deadline,
eligibility and history.

The case, its deadline and its eligibility are views of one case at one version (the ETag), asked
and answered alike: one table (`CASE_VIEWS`), each row made a route by `_add_case_view_route`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from application import commands
from application.projections import CaseListFilter
from application.service import NareisApplication
from domain.vocabulary import DeadlineStatus, Route, Stage
from infrastructure.api import mapping, schemas
from infrastructure.api.dependencies import App, AsOf, KnownAt, Reader, Record
from infrastructure.api.problems import (
    COMMAND_PROBLEMS,
    ERASED_PROBLEM,
    READ_PROBLEMS,
    command_answered,
)
from infrastructure.api.routers.reports import After
from infrastructure.api.routers.table import TableRoute
from infrastructure.api.routing import GuardedRoute, add_options_routes

router = APIRouter(
    prefix="/cases", tags=["cases"], responses=READ_PROBLEMS, route_class=GuardedRoute
)


@router.post(
    "",
    status_code=201,
    response_model=schemas.CommandOut,
    responses={**COMMAND_PROBLEMS, **command_answered(201, location=True)},
)
def open_case(body: schemas.OpenCaseIn, record: Record, response: Response):
    """Open a case for a sponsor (CaseOpened); `Location` names the new case."""
    answer = record(commands.OpenCase(mapping.sponsor_of(body.sponsor)))
    response.headers["Location"] = f"/cases/{answer.case_id}"
    return answer


@router.get("", response_model=schemas.CaseListOut)
def list_cases(
    _: Reader,
    app: App,
    as_of: AsOf,
    known_at: KnownAt,
    status: Annotated[DeadlineStatus | None, Query(description="Deadline status")] = None,
    days_left: Annotated[
        int | None,
        Query(ge=0, le=100_000, description="Open cases with at most this many days left"),
    ] = None,
    route: Annotated[Route | None, Query(description="Cases with a member on this route")] = None,
    stage: Annotated[Stage | None, Query(description="Cases with a member at this stage")] = None,
    decision_due: Annotated[
        int | None,
        Query(
            ge=0,
            le=100_000,
            description="Cases with a member whose decision is overdue or due within this many days",
        ),
    ] = None,
    permit_over_target: Annotated[
        bool, Query(description="Cases with a member granted over 4 days ago and no permit yet")
    ] = False,
    page: Annotated[int, Query(ge=1, le=10_000_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=1000)] = 100,
    after: After = None,
):
    """Cases with their deadline status, from the read model (may lag commands by a second or
    two), oldest first; filters combine."""
    where = CaseListFilter(
        status=status,
        days_left_at_most=days_left,
        route=route,
        stage=stage,
        decision_due_within_days=decision_due,
        permit_over_target=permit_over_target,
    )
    return mapping.case_list_out(
        app.list_cases(where, page, page_size, as_of, known_at, mapping.page_key(after))
    )


@router.put(
    "/{case_id}/sponsor",
    response_model=schemas.CommandOut,
    responses={**COMMAND_PROBLEMS, **command_answered()},
)
def correct_sponsor(case_id: str, body: schemas.SponsorCorrectionIn, record: Record):
    """Correct the sponsor's details (SponsorDetailsCorrected); identical values record nothing."""
    sponsor = mapping.sponsor_of(body)
    command = commands.CorrectSponsorDetails(
        case_id, sponsor, correction_reason=body.correction_reason
    )
    return record(command)


@router.post(
    "/{case_id}/sponsor-permit",
    response_model=schemas.CommandOut,
    responses={**COMMAND_PROBLEMS, **command_answered()},
)
def grant_sponsor_permit(case_id: str, body: schemas.SponsorPermitIn, record: Record):
    """Record the sponsor's grant (SponsorPermitGranted), or correct it with a reason."""
    command = mapping.command_of(commands.GrantSponsorPermit, body, case_id=case_id)
    return record(command)


@dataclass(frozen=True)
class CaseView(TableRoute):
    """A route that answers one view of a case (GET), with the case version it is at as the ETag:
    asked of the application with `ask`, shaped by `out` into `shape`."""

    ask: Callable[[NareisApplication, str, date | None, datetime | None], Any]
    out: Callable[[Any], BaseModel]
    shape: type[BaseModel]


CASE_VIEWS = (
    CaseView(
        "/{case_id}",
        "get_case",
        "The case: the sponsor, the grant, and every member with the facts that counted on `as_of`\n"
        "(those dated after it left out; the registration counts at every date), as known at\n"
        "`known_at`.",
        NareisApplication.get_case,
        mapping.case_out,
        schemas.CaseOut,
    ),
    CaseView(
        "/{case_id}/deadline",
        "get_deadline",
        "The term and each member's application timeliness and decision due date on `as_of`, as\n"
        "known at `known_at`.",
        NareisApplication.deadline,
        mapping.deadline_out,
        schemas.DeadlineOut,
    ),
    CaseView(
        "/{case_id}/eligibility",
        "get_eligibility",
        "Every rule for every member on `as_of` as known at `known_at`, with reasons, the verdict\n"
        "and the route.",
        NareisApplication.eligibility,
        mapping.eligibility_out,
        schemas.EligibilityOut,
    ),
)


def _add_case_view_route(view: CaseView) -> None:
    def answer_view(
        case_id: str, _: Reader, app: App, as_of: AsOf, known_at: KnownAt, response: Response
    ):
        return mapping.versioned(view.ask(app, case_id, as_of, known_at), response, view.out)

    view.add(router, "GET", answer_view, view.shape, responses=ERASED_PROBLEM)


for _view in CASE_VIEWS:
    _add_case_view_route(_view)


@router.get("/{case_id}/history", response_model=list[schemas.HistoryEntryOut])
def get_history(case_id: str, _: Reader, app: App, as_of: AsOf, known_at: KnownAt):
    """The audit trail, oldest first: who recorded what when; corrections with old and new values
    and the reason. `known_at` keeps what was recorded by then; `as_of` keeps the facts that
    counted on that business date (and those without one). Both default to everything. Of an
    erased case, the trail keeps every fact but the personal ones: those are null, and named in
    each entry's `erased`."""
    return mapping.history_out(app.history(case_id, as_of, known_at))


add_options_routes(router)  # after every route of the module: OPTIONS answers its methods
