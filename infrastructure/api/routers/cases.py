"""The case resource: open a case, the sponsor and the grant; read the case, its deadline,
eligibility and history."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from application import commands
from application.projections import CaseListFilter
from domain.vocabulary import DeadlineStatus, Route, Stage
from infrastructure.api import mapping, schemas
from infrastructure.api.dependencies import App, AsOf, KnownAt, Reader, Record
from infrastructure.api.problems import COMMAND_PROBLEMS, READ_PROBLEMS

router = APIRouter(prefix="/cases", tags=["cases"], responses=READ_PROBLEMS)


@router.post("", status_code=201, response_model=schemas.CommandOut, responses=COMMAND_PROBLEMS)
def open_case(body: schemas.OpenCaseIn, record: Record):
    """Open a case for a sponsor (CaseOpened)."""
    command = commands.OpenCase(mapping.sponsor_of(body.sponsor))
    return record(command)


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
    page: Annotated[int, Query(ge=1, le=10_000_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=1000)] = 100,
):
    """Cases with their deadline status, from the read model (may lag commands by a second or
    two), oldest first; filters combine."""
    where = CaseListFilter(status=status, days_left_at_most=days_left, route=route, stage=stage)
    return mapping.case_list_out(app.list_cases(where, page, page_size, as_of, known_at))


@router.put("/{case_id}/sponsor", response_model=schemas.CommandOut, responses=COMMAND_PROBLEMS)
def correct_sponsor(case_id: str, body: schemas.SponsorCorrectionIn, record: Record):
    """Correct the sponsor's details (SponsorDetailsCorrected); identical values record nothing."""
    command = commands.CorrectSponsorDetails(
        case_id, mapping.sponsor_of(body), body.correction_reason
    )
    return record(command)


@router.post(
    "/{case_id}/sponsor-permit", response_model=schemas.CommandOut, responses=COMMAND_PROBLEMS
)
def grant_sponsor_permit(case_id: str, body: schemas.SponsorPermitIn, record: Record):
    """Record the sponsor's grant (SponsorPermitGranted), or correct it with a reason."""
    command = commands.GrantSponsorPermit(
        case_id, body.granted_on, body.permit_kind, body.correction_reason
    )
    return record(command)


@router.get("/{case_id}", response_model=schemas.CaseOut)
def get_case(case_id: str, _: Reader, app: App, as_of: AsOf, known_at: KnownAt, response: Response):
    """The case: the sponsor, the grant, and every member with the facts that counted on `as_of`
    (those dated after it left out; the registration counts at every date), as known at
    `known_at`."""
    record = app.get_case(case_id, as_of, known_at)
    response.headers["ETag"] = mapping.etag(record.version)
    return mapping.case_out(record)


@router.get("/{case_id}/deadline", response_model=schemas.DeadlineOut)
def get_deadline(
    case_id: str, _: Reader, app: App, as_of: AsOf, known_at: KnownAt, response: Response
):
    """The term and each member's application timeliness and decision due date on `as_of`, as
    known at `known_at`."""
    answer = app.deadline(case_id, as_of, known_at)
    response.headers["ETag"] = mapping.etag(answer.version)
    return mapping.deadline_out(answer)


@router.get("/{case_id}/eligibility", response_model=schemas.EligibilityOut)
def get_eligibility(
    case_id: str, _: Reader, app: App, as_of: AsOf, known_at: KnownAt, response: Response
):
    """Every rule for every member on `as_of` as known at `known_at`, with reasons, the verdict
    and the route."""
    answer = app.eligibility(case_id, as_of, known_at)
    response.headers["ETag"] = mapping.etag(answer.version)
    return mapping.eligibility_out(answer)


@router.get("/{case_id}/history", response_model=list[schemas.HistoryEntryOut])
def get_history(case_id: str, _: Reader, app: App, as_of: AsOf, known_at: KnownAt):
    """The audit trail, oldest first: who recorded what when; corrections with old and new values
    and the reason. `known_at` keeps what was recorded by then; `as_of` keeps the facts that
    counted on that business date (and those without one). Both default to everything."""
    return mapping.history_out(app.history(case_id, as_of, known_at))
