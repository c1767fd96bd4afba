"""Reports across all cases, from the read model: as of any business date, as known at any
instant. They may lag the commands by the projection's delay (a second or two)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from application.projections import CaseListFilter
from infrastructure.api import mapping, schemas
from infrastructure.api.dependencies import App, AsOf, KnownAt, Reader
from infrastructure.api.problems import READ_PROBLEMS
from infrastructure.api.routing import GuardedRoute, add_options_routes

router = APIRouter(
    prefix="/reports", tags=["reports"], responses=READ_PROBLEMS, route_class=GuardedRoute
)

Page = Annotated[int, Query(ge=1, le=10_000_000, description="Page number, from 1")]
PageSize = Annotated[int, Query(ge=1, le=1000, description="Cases per page (at most 1,000)")]
After = Annotated[
    str | None,
    Query(
        pattern=schemas.CURSOR_PATTERN,
        description="The page after this cursor (`next_after` of the page before) instead of "
        "page number `page`, which then only numbers `next`; the same filters, `as_of` and "
        "`known_at` as that page's",
    ),
]


@router.get("/deadlines", response_model=schemas.DeadlineReportOut)
def deadlines(
    _: Reader,
    app: App,
    as_of: AsOf,
    known_at: KnownAt,
    page: Page = 1,
    page_size: PageSize = 100,
    after: After = None,
):
    """How many cases await a grant, are inside their term, or have expired; and the cases."""
    answer = app.list_cases(
        CaseListFilter(), page, page_size, as_of, known_at, mapping.page_key(after)
    )
    return mapping.deadline_report_out(answer)


@router.get("/caseload", response_model=schemas.CaseloadOut)
def caseload(_: Reader, app: App, as_of: AsOf, known_at: KnownAt):
    """Members per stage, timely and late applications, overdue decisions, permits within the
    4-day target."""
    return mapping.caseload_out(app.caseload(as_of, known_at))


add_options_routes(router)  # after every route of the module: OPTIONS answers its methods
