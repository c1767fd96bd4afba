"""Fixtures for the end-to-end suite: a real `nareis serve` process per session (and a private one
for tests that restart it), authenticated clients, and a check that no request ever got a 5xx."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.e2e.support import (
    AUDITOR_TOKEN,
    CASEWORKER_TOKEN,
    ENCRYPTION_KEY,
    SEEN,
    Api,
    Server,
    client_for,
)
from tests.stores import STORES, new_database_url


@pytest.fixture(scope="session", params=STORES)
def store(request: pytest.FixtureRequest) -> str:
    """The store of the servers of a test: every end-to-end test runs on each."""
    return request.param


def _serve(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    name: str,
    **settings: str,
) -> Server:
    workdir = tmp_path_factory.mktemp(name)
    database_url = new_database_url(request.getfixturevalue("store"), workdir, request)
    server = Server(database_url=database_url, workdir=workdir, settings=settings)
    server.start()
    return server


def _assert_no_traceback(server: Server, since: int) -> None:
    log = server.log(since, limit=None)
    assert "Traceback" not in log, f"the server logged an error:\n{log[-8000:]}"


@pytest.fixture(scope="session")
def server(
    request: pytest.FixtureRequest, store: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """One server for the whole session on each store, on a database of its own."""
    running = _serve(request, tmp_path_factory, "e2e-server")
    yield running
    running.stop()


@pytest.fixture
def private_server(
    request: pytest.FixtureRequest, store: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """A server of the test's own, for tests that stop or restart it."""
    running = _serve(request, tmp_path_factory, "e2e-private-server")
    yield running
    running.stop()
    logs = running.logs_of_every_start()
    assert "Traceback" not in logs, f"the private server logged an error:\n{logs[-8000:]}"


@pytest.fixture
def server_without_projections(
    request: pytest.FixtureRequest, store: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """A server of the test's own whose projections run elsewhere (NAREIS_PROJECTIONS=external),
    and nowhere: its read model never catches up."""
    running = _serve(request, tmp_path_factory, "e2e-no-projections", NAREIS_PROJECTIONS="external")
    yield running
    running.stop()
    logs = running.logs_of_every_start()
    assert "Traceback" not in logs, f"the server logged an error:\n{logs[-8000:]}"


@pytest.fixture(scope="module")
def encrypted_server(
    request: pytest.FixtureRequest, store: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """A server of the module's own on a database encrypted with `ENCRYPTION_KEY`."""
    running = _serve(
        request, tmp_path_factory, "e2e-encrypted", NAREIS_ENCRYPTION_KEY=ENCRYPTION_KEY
    )
    yield running
    running.stop()
    logs = running.logs_of_every_start()
    assert "Traceback" not in logs, f"the encrypted server logged an error:\n{logs[-8000:]}"


@pytest.fixture(autouse=True)
def no_server_errors(server: Server) -> Iterator[None]:
    """No request of any test ever gets a 5xx (API.md: "No input, however malformed, gets a 5xx"),
    and the server logs no traceback while the test runs."""
    seen_before, log_before = len(SEEN), server.log_size()
    yield
    errors = [s for s in SEEN[seen_before:] if s.status >= 500]
    assert not errors, f"server errors: {errors}\n{server.log(log_before)}"
    _assert_no_traceback(server, log_before)


@pytest.fixture
def api(server: Server) -> Iterator[Api]:
    """A caseworker (`api.cw`) and an auditor (`api.au`) on the session's server."""
    conversation = Api(server)
    yield conversation
    conversation.close()


@pytest.fixture(scope="module")
def module_api(server: Server) -> Iterator[Api]:
    """Like `api`, for module-scoped fixtures that build a case once for many tests."""
    conversation = Api(server)
    yield conversation
    conversation.close()


@pytest.fixture
def caseworker(server: Server) -> Iterator[httpx.Client]:
    with client_for(server.base_url, CASEWORKER_TOKEN) as client:
        yield client


@pytest.fixture
def auditor(server: Server) -> Iterator[httpx.Client]:
    with client_for(server.base_url, AUDITOR_TOKEN) as client:
        yield client


@pytest.fixture
def anonymous(server: Server) -> Iterator[httpx.Client]:
    with client_for(server.base_url) as client:
        yield client
