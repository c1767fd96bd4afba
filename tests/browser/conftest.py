"""Fixtures of the browser tests: one demo server and one headless Chromium per module (never
for the session: while Playwright's sync API runs, its event loop is the running one in the main
thread, and a later test's `asyncio.run` would fail), and a fresh browser context (its own
cookies) per test."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.browser.demo_server import CHROMIUM_ARGS, chromium_executable, demo_server, sign_in
from tests.browser.screenshots import VIEWPORT


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with demo_server(tmp_path_factory.mktemp("browser-demo")) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium_executable(), args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture
def page_as(browser: Browser, base_url: str) -> Iterator[Callable[[str | None], Page]]:
    """`page_as(token)`: a page in a context of its own, signed in with `token` (None: not)."""
    contexts = []

    def open_page(token: str | None) -> Page:
        context = browser.new_context(viewport=VIEWPORT)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        if token is not None:
            sign_in(page, base_url, token)
        return page

    yield open_page
    for context in contexts:
        context.close()
