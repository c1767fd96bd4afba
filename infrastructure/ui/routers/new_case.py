"""Opening a case, `/ui/cases/new`: the sponsor's details, and the case page of the new case.

Included before the case page's router, whose `/ui/cases/{case_id}` would take `new` for an id."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from domain.errors import NareisError
from infrastructure.ui import forms
from infrastructure.ui.forms import OPEN_CASE, FormState
from infrastructure.ui.pages import (
    App,
    Caseworker,
    Recording,
    SameOrigin,
    render,
    see_other,
    url_with,
)
from infrastructure.ui.routers.case_commands import Sent, context_of
from infrastructure.ui.session import Session

router = APIRouter(prefix="/ui/cases", include_in_schema=False)


def _new_case_page(
    request: Request, session: Session, state: FormState | None = None, status: int = 200
) -> Response:
    return render(request, "case_new.html", session, status, form=OPEN_CASE, state=state)


@router.get("/new", response_class=HTMLResponse)
async def new_case(request: Request, session: Caseworker) -> Response:
    return _new_case_page(request, session)


@router.post("", dependencies=[SameOrigin])
def open_case(request: Request, session: Recording, app: App, sent: Sent) -> Response:
    """Open the case (CaseOpened) and show its page; a refusal is shown on this page in words,
    with the values as typed. The form's idempotency key makes a double submit open one case."""
    parsed = forms.parse(OPEN_CASE, sent)
    if parsed.body is None:
        return _new_case_page(request, session, parsed.state, 422)
    try:
        result = app.execute(OPEN_CASE.build("", "", parsed.body), context_of(session, sent))
    except NareisError as error:
        status, state = forms.refusal_of(OPEN_CASE, sent, error)
        return _new_case_page(request, session, state, status)
    return see_other(url_with(f"/ui/cases/{result.case_id}", done=OPEN_CASE.done))
