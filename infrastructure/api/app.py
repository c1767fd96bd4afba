"""The FastAPI app: routers, problem+json handlers and a request-size guard."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from infrastructure.api.problems import install_problem_handlers, problem
from infrastructure.api.routers import cases, health, members, reports
from infrastructure.composition import Nareis
from infrastructure.settings import Principal

MAX_BODY_BYTES = 1_000_000


class BodySizeLimit:
    """Answers 413 to a request body over `limit` bytes, declared or streamed."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await self._refuse(scope, receive, send)
            return
        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise _TooLarge
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _TooLarge:
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem(413, f"The request body is larger than {self.limit} bytes.")
        await response(scope, receive, send)


class _TooLarge(Exception):
    pass


def create_app(nareis: Nareis, tokens: Mapping[str, Principal]) -> FastAPI:
    app = FastAPI(
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
