"""One structured log line per request, and a request id on every answer.

Every request gets an id: the client's `X-Request-Id` when it is well formed, else a new one. The
answer carries it back in `X-Request-Id`, every problem+json body names it (`request_id`, so a
caseworker can quote it), and the request's log line has it. The line is JSON, written when the
answer has been sent: the method, the route's path template (`/cases/{case_id}`, never the path
as sent, and never the query string, where a client may have put a token or a name), the case
and member ids when they are ids this server makes, the status and the duration. Bodies, which
hold the personal data, and headers, which hold the tokens, are never logged.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "X-Request-Id"
# Letters, digits and `._:-`, up to 128: UUIDs, ULIDs and trace ids, nothing a log could misread.
WELL_FORMED_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

current_request_id: ContextVar[str | None] = ContextVar("current_request_id", default=None)
log = logging.getLogger("nareis.requests")


def request_id_of(scope: Scope) -> str:
    """The client's `X-Request-Id` if it is well formed, else a new id."""
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            sent = value.decode("latin-1")
            if WELL_FORMED_REQUEST_ID.fullmatch(sent):
                return sent
    return str(uuid.uuid4())


def log_line(scope: Scope, request_id: str, status: int | None, seconds: float) -> str:
    route = scope.get("route")
    line: dict[str, Any] = {
        "time": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "pid": os.getpid(),
        "request_id": request_id,
        "method": scope.get("method"),
        "route": getattr(route, "path", None),
        "status": status,
        "duration_ms": round(seconds * 1000, 1),
    }
    for name in ("case_id", "member_id"):
        value = scope.get("path_params", {}).get(name)
        if isinstance(value, str) and _ID.fullmatch(value):
            line[name] = value
    return json.dumps(line)


class RequestLog:
    """The outermost middleware of the app: the request id (see the module) and the log line.
    An error no handler answered is answered here, with `unexpected` (a 500 problem), so that
    the answer has the request id too."""

    def __init__(self, app: ASGIApp, unexpected: Callable[[Scope, Exception], Response]) -> None:
        self.app = app
        self.unexpected = unexpected

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(scope)
        reset = current_request_id.set(request_id)
        started, status = time.perf_counter(), None

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as error:
            if status is not None:
                raise  # the answer has begun: the server can only close the connection
            await self.unexpected(scope, error)(scope, receive, send_with_id)
        finally:
            log.info(log_line(scope, request_id, status, time.perf_counter() - started))
            current_request_id.reset(reset)
