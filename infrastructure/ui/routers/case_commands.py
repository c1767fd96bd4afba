"""The commands of a case page: one POST route per form of `forms.COMMAND_FORMS`, under
/ui/cases/{case_id}/....

Each route records the command the API would build from the same values, through the same
application, with the page's case version as If-Match and the form's idempotency key (so a
double submit records once and answers as the first did). A success goes back to the case page
with `?done=` (a reload then sends nothing); a refusal shows the case page again with the
refusal in words next to the form and the values as typed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from application.service import CommandContext
from domain.errors import CaseErased, CaseNotFound, NareisError
from infrastructure.ui import forms
from infrastructure.ui.forms import COMMAND_FORMS, CommandForm, FormState
from infrastructure.ui.pages import (
    App,
    PageRefused,
    Recording,
    SameOrigin,
    see_other,
    url_with,
)
from infrastructure.ui.routers.cases import case_page_response
from infrastructure.ui.session import Session

router = APIRouter(prefix="/ui/cases", include_in_schema=False)


async def form_data(request: Request) -> FormData:
    """The form as sent (read once: `Recording` has read it already for its CSRF token)."""
    return await request.form()


Sent = Annotated[FormData, Depends(form_data)]


def context_of(session: Session, sent: FormData) -> CommandContext:
    """Who sends, the case version the page showed (If-Match) and the form's idempotency key."""
    version = str(sent.get("expected_version") or "")
    key = str(sent.get("idempotency_key") or "").strip()
    return CommandContext(
        session.principal.actor,
        int(version) if version.isdigit() and len(version) < 19 else None,
        key[:200] or None,
    )


def _refused_page(
    request: Request, session: Session, app: App, case_id: str, form: CommandForm,
    state: FormState, status: int,
) -> Response:  # fmt: skip
    try:
        return case_page_response(
            request, session, app, case_id, forms={form.name: state}, status=status
        )
    except (CaseNotFound, CaseErased) as error:
        raise _gone(error) from None


def _gone(error: CaseNotFound | CaseErased) -> PageRefused:
    """A case that is not there (or erased) has no page to show a form again on."""
    status = 404 if isinstance(error, CaseNotFound) else 410
    return PageRefused(status, "Not recorded", error.detail)


def _record(
    form: CommandForm, case_id: str, request: Request, session: Session, app: App, sent: FormData
) -> Response:
    """Parse, record, and answer: back to the case page, or the case page with the refusal."""
    if not str(sent.get("expected_version") or "").isdigit():
        raise PageRefused(400, "Form incomplete", "Reload the case page and send the form again.")
    parsed = forms.parse(form, sent)
    if parsed.body is None:
        return _refused_page(request, session, app, case_id, form, parsed.state, 422)
    command = form.build(case_id, parsed.member_id, parsed.body)
    try:
        result = app.execute(command, context_of(session, sent))
    except (CaseNotFound, CaseErased) as error:
        raise _gone(error) from None
    except NareisError as error:
        status, state = forms.refusal_of(form, sent, error)
        return _refused_page(request, session, app, case_id, form, state, status)
    member = result.member_id or parsed.member_id or None
    return see_other(url_with(f"/ui/cases/{case_id}", done=form.done, member=member))


def _add_route(form: CommandForm) -> None:
    def record(case_id: str, request: Request, session: Recording, app: App, sent: Sent):
        return _record(form, case_id, request, session, app, sent)

    record.__name__ = "record_" + form.name.replace("-", "_")
    record.__doc__ = f"{form.title} (the case page's form `{form.name}`)."
    router.add_api_route(
        f"/{{case_id}}/{form.path}", record, methods=["POST"], dependencies=[SameOrigin]
    )


for _form in COMMAND_FORMS:
    _add_route(_form)
