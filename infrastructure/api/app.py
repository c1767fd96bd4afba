"""The FastAPI app: routers, problem+json handlers, the request log and the bounds on a request's
body (its size, and the time it takes to arrive)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from infrastructure.api.http_server import BoundedH11Protocol
from infrastructure.api.problems import install_problem_handlers, problem, unexpected
from infrastructure.api.report_lane import ReportLane
from infrastructure.api.request_log import RequestLog
from infrastructure.api.routers import cases, health, members, reports
from infrastructure.api.routing import add_options_routes
from infrastructure.composition import Nareis, build
from infrastructure.settings import Principal, Settings
from infrastructure.ui import install_ui

MAX_BODY_BYTES = 1_000_000
READ_SECONDS = Settings.http_request_read_seconds


class RequestBounds:
    """Answers 413 to a request body over `limit` bytes, whether declared (Content-Length) or
    streamed (a body without a declared length is read here, up to the limit, before the app),
    and 408 to a body that has not arrived `seconds` after the request's head: a slow client holds
    a connection and a worker no longer than that."""

    def __init__(
        self, app: ASGIApp, limit: int = MAX_BODY_BYTES, seconds: float = READ_SECONDS
    ) -> None:
        self.app = app
        self.limit = limit
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        bounded = _BoundedBody(scope, receive, send, self.seconds)
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None:
            if not declared.isdigit() or int(declared) > self.limit:
                await self._refuse(scope, receive, send)
                return
            await self.app(scope, bounded.receive, bounded.send)
            return
        body, more = b"", True
        while more:
            message = await bounded.receive()
            if message["type"] != "http.request":
                await self.app(scope, bounded.receive, bounded.send)  # let the app see it
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.limit:
                await self._refuse(scope, receive, send)
                return
        await self.app(scope, _replay(body, bounded.receive), bounded.send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem(413, f"The request body is larger than {self.limit} bytes.")
        await response(scope, receive, send)


class _BoundedBody:
    """A request's `receive` and `send` with a deadline on its body: past it, the client is
    answered 408 (and the connection closed), and the app is told the client left."""

    def __init__(self, scope: Scope, receive: Receive, send: Send, seconds: float) -> None:
        self._scope, self._receive, self._send, self._seconds = scope, receive, send, seconds
        self._deadline = time.monotonic() + seconds
        self._body_done = self._answered = self._timed_out = False

    async def receive(self) -> Message:
        if self._timed_out:
            return {"type": "http.disconnect"}
        if self._body_done:
            return await self._receive()  # waiting for a disconnect has no deadline
        try:
            remaining = max(self._deadline - time.monotonic(), 0)
            message = await asyncio.wait_for(self._receive(), remaining)
        except TimeoutError:
            await self._time_out()
            return {"type": "http.disconnect"}
        self._body_done = not message.get("more_body", False)
        return message

    async def send(self, message: Message) -> None:
        if not self._timed_out:
            self._answered = True
            await self._send(message)

    async def _time_out(self) -> None:
        self._timed_out = True
        if not self._answered:
            detail = f"The request body did not arrive within {self._seconds:g} seconds."
            response = problem(408, detail, headers={"Connection": "close"})
            await response(self._scope, self._receive, self._send)


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
    add_options_routes(app.router)  # /openapi.json and /docs; each router does its own
    app.include_router(health.router)
    app.include_router(cases.router)
    app.include_router(members.router)
    app.include_router(reports.router)
    install_ui(app)  # the browser view, /ui
    read_seconds = nareis.settings.http_request_read_seconds
    BoundedH11Protocol.head_seconds = read_seconds  # the head's bound; the body's is here:
    app.add_middleware(ReportLane)  # innermost: a report waits its turn after its body is read
    app.add_middleware(RequestBounds, seconds=read_seconds)
    app.add_middleware(RequestLog, unexpected=unexpected)  # the outermost: added last
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
    requests = logging.getLogger("nareis.requests")
    if not requests.handlers:
        # One JSON object a line, nothing around it (request_log.py).
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        requests.addHandler(handler)
        requests.propagate = False
