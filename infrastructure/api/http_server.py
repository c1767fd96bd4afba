"""How `nareis serve` runs uvicorn: timeouts for idle and slow connections, and for shutdown.

uvicorn closes a keep-alive connection that stays idle after an answer, but not one that never
sends a request, and it waits without limit for a request's head that trickles in a byte at a
time (and, at SIGTERM, for the requests in flight). Here:
- an idle connection, before its first request as after an answer, is closed after
  `http_keep_alive_seconds`;
- a request's line and headers must arrive within `http_request_read_seconds` of the connection's
  start (or of the previous answer), else the connection is closed, with a 408 when part of a head
  had arrived (the body has a bound of its own: `app.RequestBounds`);
- SIGTERM stops taking connections and waits at most `shutdown_seconds` for the requests in
  flight, then cancels them.
"""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from infrastructure.settings import Settings

WORKER_HEALTHCHECK_SECONDS = 60  # a restart under load took over 20 s (tests/e2e/test_crash_safety.py)
_REQUEST_TIMEOUT = b"HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-length: 0\r\n\r\n"


class BoundedH11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, with the bounds of the module on idle connections and on a
    request's head. `head_seconds` is set by `app.create_app` in the process that serves."""

    head_seconds: ClassVar[float] = Settings.http_request_read_seconds

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._head_deadline: asyncio.TimerHandle | None = None
        # Idle before the first request too, not only after an answer as uvicorn has it.
        self.timeout_keep_alive_task = self.loop.call_later(
            self.timeout_keep_alive, self.timeout_keep_alive_handler
        )
        self._await_head()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._await_head()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._await_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_waiting_for_head()
        super().connection_lost(exc)

    def _await_head(self) -> None:
        """Between requests, a deadline for the next head; while a request runs, none."""
        if self.conn.their_state is not h11.IDLE or self.transport.is_closing():
            self._stop_waiting_for_head()
        elif self._head_deadline is None:
            self._head_deadline = self.loop.call_later(self.head_seconds, self._head_too_slow)

    def _stop_waiting_for_head(self) -> None:
        if getattr(self, "_head_deadline", None) is not None:
            self._head_deadline.cancel()  # type: ignore[union-attr]
            self._head_deadline = None

    def _head_too_slow(self) -> None:
        self._head_deadline = None
        if self.transport.is_closing() or self.conn.their_state is not h11.IDLE:
            return
        partial_head, _ = self.conn.trailing_data
        if partial_head:
            self.transport.write(_REQUEST_TIMEOUT)
        self.transport.close()


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's settings for `nareis serve`, from Nareis's own (README, "Configuration")."""
    return {
        "http": BoundedH11Protocol,
        "timeout_keep_alive": settings.http_keep_alive_seconds,
        "timeout_graceful_shutdown": settings.shutdown_seconds,
        # `--workers`: a worker that does not answer the parent's ping within this is killed and
        # started again. uvicorn's 5 s is less than a worker's start on a busy 2-core machine (it
        # imports the whole command first), where workers were killed over and over, unstarted.
        "timeout_worker_healthcheck": WORKER_HEALTHCHECK_SECONDS,
        # Nareis writes its own log line per request (request_log.py); uvicorn's would print the
        # query string, where a client may have put a token.
        "access_log": False,
        "log_level": "info",
    }
