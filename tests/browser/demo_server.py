"""A real `nareis serve` (the end-to-end suite's `Server`) on a SQLite file filled by
`nareis demo`, and Debian's Chromium to look at it with: what the browser tests and the README's
screenshots (`screenshots.py`) both use.

Playwright drives the browser, but its own browser download is not available here: it launches
Debian's `chromium` package (`.ci/run` installs it when missing)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Page

from tests.e2e.support import API_TOKENS, AUDITOR_TOKEN, CASEWORKER_TOKEN, NAREIS, Server

__all__ = ["AUDITOR_TOKEN", "CASEWORKER_TOKEN", "chromium_executable", "demo_server", "sign_in"]

# Chromium as root in a container: no sandbox (it needs user namespaces), and /tmp instead of a
# small /dev/shm.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-dev-shm-usage"]


def chromium_executable() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        raise RuntimeError(
            "Debian's chromium is not installed (apt-get install chromium); the browser tests "
            "and the screenshots need it."
        )
    return found


@contextmanager
def demo_server(workdir: Path) -> Iterator[str]:
    """The base URL of a server whose database holds the demo cases (their read model caught
    up: `nareis demo` catches it up before it ends)."""
    database_url = f"sqlite:///{workdir / 'nareis.db'}"
    env = {**os.environ, "NAREIS_DATABASE_URL": database_url, "NAREIS_API_TOKENS": API_TOKENS}
    demo = subprocess.run(
        [str(NAREIS), "demo"], env=env, cwd=workdir, capture_output=True, text=True, timeout=300
    )
    if demo.returncode != 0:
        raise RuntimeError(f"nareis demo failed:\n{demo.stdout}\n{demo.stderr}")
    server = Server(database_url, workdir, settings={"NAREIS_PROJECTION_POLL_SECONDS": "0.1"})
    server.start()
    try:
        yield server.base_url
    finally:
        server.stop()


def sign_in(page: Page, base_url: str, token: str) -> None:
    """Sign in through the sign-in form, as a person would."""
    page.goto(f"{base_url}/ui/login")
    page.get_by_label("Token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/ui")
