"""Signing in with an API token, and out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from infrastructure.api.dependencies import find_principal
from infrastructure.ui.pages import (
    SameOrigin,
    now_seconds,
    render,
    safe_next,
    see_other,
    signed_in,
)
from infrastructure.ui.session import COOKIE_NAME, SESSION_SECONDS, new_session_cookie

router = APIRouter(prefix="/ui", include_in_schema=False)


@router.get("/login", response_class=HTMLResponse)
async def login_page(request: Request, next: str = "/ui") -> Response:
    return render(request, "login.html", None, next_path=safe_next(next))


@router.post("/login", dependencies=[SameOrigin])
async def login(
    request: Request,
    token: Annotated[str, Form(max_length=500)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/ui",
) -> Response:
    token = token.strip()
    if find_principal(request.app.state.tokens, token) is None:
        detail = "Enter a token." if not token else "This token is not known."
        return render(
            request, "login.html", None, 401, next_path=safe_next(next), error=detail
        )
    response = see_other(safe_next(next))
    response.set_cookie(
        COOKIE_NAME,
        new_session_cookie(token, now_seconds()),
        max_age=SESSION_SECONDS,
        path="/ui",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/logout", dependencies=[SameOrigin])
async def logout(request: Request) -> Response:
    await signed_in(request)  # only a session signs itself out
    response = see_other("/ui/login")
    response.delete_cookie(COOKIE_NAME, path="/ui", httponly=True, samesite="strict")
    return response
