"""The browser view under /ui: server-rendered pages for caseworkers, their managers and auditors,
over the same application service as the API (`install_ui`)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from infrastructure.ui.pages import (
    HERE,
    PageRefused,
    SignInRequired,
    login_url,
    refused_page,
    see_other,
)
from infrastructure.ui.routers import (
    case_commands,
    cases,
    login,
    new_case,
    not_found,
    queue,
    reports,
)


def install_ui(app: FastAPI) -> None:
    app.include_router(login.router)
    app.include_router(queue.router)
    app.include_router(new_case.router)  # before cases: /ui/cases/new is not a case id
    app.include_router(cases.router)
    app.include_router(case_commands.router)
    app.include_router(reports.router)
    app.mount("/ui/static", StaticFiles(directory=HERE / "static"), name="ui-static")
    app.include_router(not_found.router)  # last: every other path under /ui
    app.add_exception_handler(SignInRequired, _to_sign_in)
    app.add_exception_handler(PageRefused, _refused)


async def _to_sign_in(_: Request, error: Exception) -> Response:
    assert isinstance(error, SignInRequired)
    return see_other(login_url(error.next_path))


async def _refused(request: Request, error: Exception) -> Response:
    assert isinstance(error, PageRefused)
    return refused_page(request, error)
