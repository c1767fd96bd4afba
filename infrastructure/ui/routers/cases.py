"""A case's page, `/ui/cases/{case_id}`: its term as a timeline, each member's checklist, the
audit trail, and how the case stood (`as_of`) and what was known (`known_at`) on an earlier day."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from application.service import NareisApplication
from infrastructure.api import mapping
from infrastructure.ui.pages import App, SignedIn, render
from infrastructure.ui.session import Session

router = APIRouter(prefix="/ui/cases", include_in_schema=False)


def case_page_response(
    request: Request,
    session: Session,
    app: NareisApplication,
    case_id: str,
    *,
    as_of: date | None = None,
    known_at: datetime | None = None,
    forms: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    """The case page. `forms`: what the command forms show again after a refusal (by form
    name: the values sent and the refusal in words); `status`: the answer's status (a refused
    form is shown with 409, 412 or 422)."""
    case = mapping.case_out(app.get_case(case_id, as_of, known_at))
    return render(request, "case.html", session, status, case=case, forms=forms or {})


@router.get("/{case_id}", response_class=HTMLResponse)
def case_page(case_id: str, request: Request, session: SignedIn, app: App) -> Response:
    return case_page_response(request, session, app, case_id)
