"""Idle and slow connections time out, and SIGTERM waits a bounded time for requests in flight
(README, "Configuration": NAREIS_HTTP_KEEP_ALIVE_SECONDS, NAREIS_HTTP_REQUEST_READ_SECONDS,
NAREIS_SHUTDOWN_SECONDS; shortened here so that the tests are quick)."""

from __future__ import annotations

import json
import signal
import socket
import time
from collections.abc import Iterator

import pytest

from tests.e2e.conftest import _serve
from tests.e2e.support import CASEWORKER_TOKEN, Server

KEEP_ALIVE, READ, SHUTDOWN = 1.0, 2.0, 2.0
MARGIN = 3.0  # the server's timers and this machine's load


def _serve_with(request: pytest.FixtureRequest, tmp: pytest.TempPathFactory, read: float) -> Server:
    return _serve(
        request,
        tmp,
        "e2e-impatient",
        NAREIS_HTTP_KEEP_ALIVE_SECONDS=str(KEEP_ALIVE),
        NAREIS_HTTP_REQUEST_READ_SECONDS=str(read),
        NAREIS_SHUTDOWN_SECONDS=str(SHUTDOWN),
    )


@pytest.fixture(scope="module")
def impatient_server(
    request: pytest.FixtureRequest, store: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    running = _serve_with(request, tmp_path_factory, READ)
    yield running
    running.stop()
    assert "Traceback" not in running.logs_of_every_start()


def _connect(server: Server) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=READ + MARGIN * 3)


def _seconds_until_closed(connection: socket.socket) -> tuple[float, bytes]:
    """How long until the server closed the connection, and what it sent before that."""
    started, received = time.monotonic(), b""
    while chunk := connection.recv(65536):
        received += chunk
    return time.monotonic() - started, received


def test_a_connection_that_never_sends_a_request_is_closed_after_the_keep_alive(
    impatient_server: Server,
) -> None:
    with _connect(impatient_server) as connection:
        waited, received = _seconds_until_closed(connection)
    assert received == b"" and waited < KEEP_ALIVE + MARGIN


def test_an_idle_keep_alive_connection_is_closed_after_the_keep_alive(
    impatient_server: Server,
) -> None:
    with _connect(impatient_server) as connection:
        connection.sendall(b"GET /health HTTP/1.1\r\nHost: nareis\r\n\r\n")
        time.sleep(0.5)
        answer = connection.recv(65536)
        assert answer.startswith(b"HTTP/1.1 200")
        waited, _ = _seconds_until_closed(connection)
    assert waited < KEEP_ALIVE + MARGIN


def test_a_request_head_that_trickles_in_is_cut_off_with_408(impatient_server: Server) -> None:
    started = time.monotonic()
    with _connect(impatient_server) as connection:
        connection.sendall(b"GET /health HTTP/1.1\r\nHost: nareis\r\n")
        try:
            while time.monotonic() - started < READ + MARGIN:  # a header byte every 0.2 s
                connection.sendall(b"X")
                time.sleep(0.2)
        except OSError:
            pass  # closed by the server: what this test wants
        _, received = _seconds_until_closed(connection)
    assert time.monotonic() - started < READ + MARGIN + 1
    assert received.startswith(b"HTTP/1.1 408")


def _slow_command(server: Server) -> socket.socket:
    """A command whose body stops arriving after its first bytes."""
    connection = _connect(server)
    connection.sendall(
        b"POST /cases HTTP/1.1\r\nHost: nareis\r\nContent-Type: application/json\r\n"
        b"Authorization: Bearer " + CASEWORKER_TOKEN.encode() + b"\r\n"
        b"Content-Length: 200\r\n\r\n" + b'{"sponsor": {'
    )
    return connection


def test_a_body_that_does_not_arrive_in_time_is_408_and_records_nothing(
    impatient_server: Server,
) -> None:
    events = impatient_server.event_count()
    with _slow_command(impatient_server) as connection:
        waited, received = _seconds_until_closed(connection)
    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408"), received
    assert b"application/problem+json" in head and b"x-request-id" in head.lower()
    problem = json.loads(body)
    assert problem["type"] == "urn:nareis:problem:408" and problem["request_id"]
    assert READ - 0.5 < waited < READ + MARGIN
    assert impatient_server.event_count() == events


def test_sigterm_waits_a_bounded_time_for_a_request_in_flight(
    request: pytest.FixtureRequest, store: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    # The request's body may take a minute, longer than the shutdown grace: SIGTERM waits no more.
    server = _serve_with(request, tmp_path_factory, read=60)
    try:
        with _slow_command(server):
            time.sleep(0.5)  # the request is in flight
            assert server.process is not None
            started = time.monotonic()
            server.process.send_signal(signal.SIGTERM)
            server.process.wait(timeout=SHUTDOWN + MARGIN * 3)
            stopped_after = time.monotonic() - started
    finally:
        server.stop()
    assert stopped_after < SHUTDOWN + MARGIN, stopped_after
    assert "timeout graceful shutdown exceeded" in server.log(limit=None)
