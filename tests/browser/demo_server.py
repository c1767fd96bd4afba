"""A real `nareis serve` on a SQLite file filled by `nareis demo`, and Debian's Chromium to look
at it with: what the browser tests and the README's screenshots (`screenshots.py`) both use.

Playwright drives the browser, but its own browser download is not available here: it launches
Debian's `chromium` package (`.ci/run` installs it when missing)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from playwright.sync_api import Page

NAREIS = Path(sys.executable).parent / "nareis"
CASEWORKER_TOKEN = "cw-token-of-the-browser-tests"
AUDITOR_TOKEN = "au-token-of-the-browser-tests"
API_TOKENS = f"{CASEWORKER_TOKEN}=caseworker:alice,{AUDITOR_TOKEN}=auditor:bob"
STARTUP_SECONDS = 60.0
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


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _environment(database: Path) -> dict[str, str]:
    kept = {k: v for k, v in os.environ.items() if not k.startswith("NAREIS_")}
    return {
        **kept,
        "NAREIS_DATABASE_URL": f"sqlite:///{database}",
        "NAREIS_API_TOKENS": API_TOKENS,
        "NAREIS_PROJECTION_POLL_SECONDS": "0.1",
        "PYTHONUNBUFFERED": "1",
    }


@contextmanager
def demo_server(workdir: Path) -> Iterator[str]:
    """The base URL of a server whose database holds the demo cases (their read model caught
    up: `nareis demo` catches it up before it ends)."""
    env = _environment(workdir / "nareis.db")
    demo = subprocess.run(
        [str(NAREIS), "demo"], env=env, cwd=workdir, capture_output=True, text=True, timeout=300
    )
    if demo.returncode != 0:
        raise RuntimeError(f"nareis demo failed:\n{demo.stdout}\n{demo.stderr}")
    port = _free_port()
    log_path = workdir / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(NAREIS), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=workdir,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(process, base_url, log_path)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _wait_until_healthy(process: subprocess.Popen[bytes], base_url: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"nareis serve exited early:\n{log.read_text(errors='replace')}")
        try:
            if httpx.get(f"{base_url}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"nareis serve did not answer in {STARTUP_SECONDS} s")


def sign_in(page: Page, base_url: str, token: str) -> None:
    """Sign in through the sign-in form, as a person would."""
    page.goto(f"{base_url}/ui/login")
    page.get_by_label("Token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/ui")
