"""The FastAPI app: routers, problem+json handlers and a request-size guard."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from infrastructure.api.problems import install_problem_handlers, problem
from infrastructure.api.routers import cases, health, members, reports
from infrastructure.composition import Nareis, build
from infrastructure.settings import Principal, Settings

MAX_BODY_BYTES = 1_000_000


class BodySizeLimit:
    """Answers 413 to a request body over `limit` bytes, whether declared (Content-Length) or
    streamed: a body without a declared length is read here, up to the limit, before the app."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None:
            if not declared.isdigit() or int(declared) > self.limit:
                await self._refuse(scope, receive, send)
                return
            await self.app(scope, receive, send)
            return
        body, more = b"", True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, receive, send)  # disconnected: let the app see it
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.limit:
                await self._refuse(scope, receive, send)
                return
        await self.app(scope, _replay(body, receive), send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem(413, f"The request body is larger than {self.limit} bytes.")
        await response(scope, receive, send)


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body already read, then the client's own messages (a disconnect)."""
    sent = False

    async def replaying_receive() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replaying_receive


def create_app(
    nareis: Nareis, tokens: Mapping[str, Principal], *, close_on_shutdown: bool = False
) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        if close_on_shutdown:
            # The server's shutdown (SIGTERM included) stops the projections and closes the store.
            nareis.close()

    app = FastAPI(
        lifespan=lifespan,
        title="Nareis",
        version="0.1.0",
        description="Family reunification (nareis) cases: record what happens, and ask on any "
        "date whether each family member is on time and eligible, and why.",
    )
    app.state.nareis = nareis
    app.state.tokens = dict(tokens)
    install_problem_handlers(app)
    app.include_router(health.router)
    app.include_router(cases.router)
    app.include_router(members.router)
    app.include_router(reports.router)
    app.add_middleware(BodySizeLimit)
    return app


def create_app_from_environment() -> FastAPI:
    """The app of one worker process of `nareis serve --workers N` (uvicorn calls it in each):
    a system of its own on the settings in the environment, which the parent process checked
    (and re-derived the read model for) before it started the workers."""
    configure_logging()
    settings = Settings.from_environment()
    nareis = build(settings, check=False)  # the parent process checked the database
    if settings.projections_in_process:
        nareis.start_projections()  # only the elected worker's projections catch up
    return create_app(nareis, settings.tokens, close_on_shutdown=True)


def configure_logging() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s [%(process)d] %(levelname)s %(name)s %(message)s"
    )
