"""What every page of the browser view needs: the templates, the signed-in session (and the
caseworker's, for forms that record), the CSRF check, and a response with the headers every page
carries.

The pages are rendered here, on the server, from the same application service the API uses. They
carry a strict Content-Security-Policy: no inline script or style, nothing from another origin,
so every asset is a file under /ui/static and no injected markup can run."""

from __future__ import annotations

import re
import time
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import TypeAdapter, ValidationError

from application.service import NareisApplication
from infrastructure.api import schemas
from infrastructure.settings import Role
from infrastructure.ui import forms
from infrastructure.ui.session import COOKIE_NAME, Session, csrf_matches, open_session

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")

PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    # Pages show personal data: no browser or proxy keeps a copy.
    "Cache-Control": "no-store",
}


class SignInRequired(Exception):
    """No valid session: the browser is sent to the sign-in page, and back to `next` after."""

    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


class PageRefused(Exception):
    """A request the browser view refuses as a whole (a forged form, an auditor's command): shown
    as a page of its own with `status`, in words."""

    def __init__(self, status: int, title: str, detail: str) -> None:
        self.status, self.title, self.detail = status, title, detail


def now_seconds() -> int:
    return int(time.time())


async def signed_in(request: Request) -> Session:
    session = session_if_any(request)
    if session is None:
        raise SignInRequired(_back_after_sign_in(request))
    return session


def _back_after_sign_in(request: Request) -> str:
    """The page to come back to: the one asked for; for a form sent after the session ended,
    the page the form was on (a form cannot be sent again by a redirect)."""
    if request.method in ("GET", "HEAD"):
        return request.url.path + (f"?{request.url.query}" if request.url.query else "")
    own = f"{request.url.scheme}://{request.url.netloc}"
    referer = request.headers.get("referer", "")
    return referer.removeprefix(own) if referer.startswith(own + "/") else "/ui"


async def caseworker(session: Annotated[Session, Depends(signed_in)]) -> Session:
    """The session of a caseworker: the only role that records (an auditor reads)."""
    if session.principal.role != Role.CASEWORKER:
        raise PageRefused(
            403, "Not allowed", f"The role {session.principal.role} may read but not record."
        )
    return session


async def recording(request: Request, session: Annotated[Session, Depends(caseworker)]) -> Session:
    """The session of a caseworker whose form carries its CSRF token: the only requests that
    record anything."""
    form = await request.form()
    presented = form.get("csrf_token")
    if not csrf_matches(session, presented if isinstance(presented, str) else None):
        raise PageRefused(
            403,
            "Form expired",
            "This form did not come from your current session. Reload the page and send it again.",
        )
    return session


async def application(request: Request) -> NareisApplication:
    return request.app.state.nareis.application


SignedIn = Annotated[Session, Depends(signed_in)]
Caseworker = Annotated[Session, Depends(caseworker)]
Recording = Annotated[Session, Depends(recording)]
App = Annotated[NareisApplication, Depends(application)]


def render(
    request: Request,
    template: str,
    session: Session | None,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    response = templates.TemplateResponse(
        request,
        template,
        {"session": session, "principal": session.principal if session else None, **context},
        status_code=status,
    )
    response.headers.update(PAGE_HEADERS)
    return response


def see_other(url: str) -> RedirectResponse:
    """After a form: the browser GETs `url` (a reload does not send the form again)."""
    response = RedirectResponse(url, status_code=303)
    response.headers.update(PAGE_HEADERS)
    return response


def url_with(path: str, **query: Any) -> str:
    """`path` with the query parameters that have a value."""
    kept = {k: _text(v) for k, v in query.items() if v not in (None, "", False)}
    return f"{path}?{urlencode(kept)}" if kept else path


def _text(value: Any) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def safe_next(path: str | None) -> str:
    """Where to go after signing in: a path of this view only (never another site)."""
    if path and path.startswith("/ui") and not path.startswith("//") and "\\" not in path:
        return path
    return "/ui"


def login_url(next_path: str) -> str:
    return "/ui/login?next=" + quote(next_path, safe="/")


def session_if_any(request: Request) -> Session | None:
    """The session, for a page that anyone may see (it then shows who is signed in)."""
    return open_session(request.app.state.tokens, request.cookies.get(COOKIE_NAME), now_seconds())


def refused_page(request: Request, error: PageRefused) -> Response:
    session = session_if_any(request)
    return render(
        request, "refused.html", session, error.status, title=error.title, detail=error.detail
    )


# Every global the templates use, in one place (the forms' own come from infrastructure.ui.forms).
templates.env.globals.update(
    url_with=url_with,
    command_forms=forms.COMMAND_FORMS,
    new_idempotency_key=forms.new_idempotency_key,
    done_notice=forms.done_notice,
)


async def same_origin(request: Request) -> None:
    """A form sent from another site is refused, sign-in included (so nobody can sign a browser
    in under their own token): the browser says where a request comes from in `Sec-Fetch-Site`,
    and older ones in `Origin`."""
    site = request.headers.get("sec-fetch-site")
    origin = request.headers.get("origin")
    own = f"{request.url.scheme}://{request.url.netloc}"
    if (site is not None and site not in ("same-origin", "none")) or (
        origin is not None and origin != own
    ):
        raise PageRefused(403, "Not allowed", "This form was sent from another site.")


SameOrigin = Depends(same_origin)


_INSTANT = TypeAdapter(schemas.IsoInstant)
_OFFSET_SENT_AS_SPACE = re.compile(r"(:[0-9]{2}(\.[0-9]{1,6})?) ([0-9]{2}:[0-9]{2})$")


def parse_instant(text: str) -> datetime:
    """An instant as the API takes it (RFC 3339 with a time zone), or ValueError. A '+' typed
    into a link's query arrives as a space: 09:30:00 01:00 was meant as 09:30:00+01:00."""
    try:
        return _INSTANT.validate_python(_OFFSET_SENT_AS_SPACE.sub(r"\1+\3", text))
    except ValidationError as error:
        raise ValueError(f"{text!r} is not an RFC 3339 instant") from error


def parse_day(text: str) -> date:
    """A date as YYYY-MM-DD only (`date.fromisoformat` also takes 20260301 and 2026-W09-1)."""
    if len(text) != 10 or text[4] != "-" or text[7] != "-":
        raise ValueError(f"{text!r} is not YYYY-MM-DD")
    return date.fromisoformat(text)
