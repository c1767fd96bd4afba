"""Fixtures of the browser view's tests over HTTP, in process: the app on a real SQLite file, and
clients signed in as a caseworker or an auditor, as a browser would be (the session cookie)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from infrastructure.api.app import create_app
from infrastructure.composition import Nareis, build
from infrastructure.demo import DemoCase, build_cases
from infrastructure.settings import Principal, Role, Settings
from tests.integration.conftest import FixedClock

CASEWORKER_TOKEN = "ui-caseworker-token-0001"
AUDITOR_TOKEN = "ui-auditor-token-000002"
TOKENS = {
    CASEWORKER_TOKEN: Principal("alice", Role.CASEWORKER),
    AUDITOR_TOKEN: Principal("bob", Role.AUDITOR),
}
TODAY = date(2026, 11, 30)
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def system(tmp_path: Path) -> Iterator[Nareis]:
    running = build(
        Settings(database_url=f"sqlite:///{tmp_path / 'nareis.db'}", tokens=TOKENS),
        clock=FixedClock(TODAY),
    )
    yield running
    running.close()


@pytest.fixture
def demo_cases(system: Nareis) -> list[DemoCase]:
    """The demo cases (`nareis demo`), their read model caught up."""
    cases = build_cases(system.application)
    system.catch_up()
    return cases


@pytest.fixture
def demo(system: Nareis, demo_cases: list[DemoCase]) -> Nareis:
    """The system holding the demo cases."""
    return system


@pytest.fixture
def client_for(system: Nareis) -> Iterator[Callable[[str | None], TestClient]]:
    """`client_for(token)`: a client of the app, signed in with `token` (None: not signed in).
    Redirects are not followed, so a test sees each answer."""
    app = create_app(system, TOKENS)
    clients: list[TestClient] = []

    def client(token: str | None) -> TestClient:
        browser = TestClient(app, follow_redirects=False)
        clients.append(browser)
        if token is not None:
            answer = browser.post("/ui/login", data={"token": token, "next": "/ui"})
            assert answer.status_code == 303, answer.text
        return browser

    yield client
    for browser in clients:
        browser.close()


@pytest.fixture
def caseworker(client_for: Callable[[str | None], TestClient]) -> TestClient:
    return client_for(CASEWORKER_TOKEN)


@pytest.fixture
def auditor(client_for: Callable[[str | None], TestClient]) -> TestClient:
    return client_for(AUDITOR_TOKEN)


def csrf_token_of(html: str) -> str:
    """The CSRF token a page's forms carry."""
    found = _CSRF.search(html)
    assert found is not None, "the page has no form with a CSRF token"
    return found.group(1)
