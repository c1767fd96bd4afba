"""The README's screenshots of the browser view: the work queue, a case page and the reports page,
taken in Debian's Chromium from a fresh demo database.

    .venv/bin/python -m tests.browser.screenshots docs/screenshots

The browser tests take them too (into a temporary folder), so this cannot rot."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Browser, sync_playwright

from tests.browser.demo_server import (
    CASEWORKER_TOKEN,
    CHROMIUM_ARGS,
    chromium_executable,
    demo_server,
    sign_in,
)

VIEWPORT = {"width": 1280, "height": 900}
CORRECTED_CASE_SPONSOR = "Yara El-Amin"  # the demo case whose grant was corrected
SHOTS = ("work-queue.png", "case-page.png", "reports.png")
CASE_PAGE_CLIP = {"x": 0, "y": 0, "width": VIEWPORT["width"], "height": 2000}


def take_screenshots(browser: Browser, base_url: str, folder: Path) -> list[Path]:
    """One full-page screenshot of each page, signed in as a caseworker."""
    folder.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        sign_in(page, base_url, CASEWORKER_TOKEN)
        paths = [folder / name for name in SHOTS]
        page.goto(f"{base_url}/ui?queue=all")
        page.screenshot(path=paths[0], full_page=True)
        page.get_by_role("link", name=CORRECTED_CASE_SPONSOR).click()
        page.wait_for_url(f"{base_url}/ui/cases/**")
        # The top of the page: time travel, the timeline and the first member's checklist (the
        # whole page, with the forms and the audit trail, is five screens long).
        page.screenshot(path=paths[1], full_page=True, clip=CASE_PAGE_CLIP)
        page.goto(f"{base_url}/ui/reports")
        page.screenshot(path=paths[2], full_page=True)
        return paths
    finally:
        context.close()


def main(argv: list[str]) -> int:
    folder = Path(argv[0] if argv else "docs/screenshots")
    with (
        tempfile.TemporaryDirectory() as workdir,
        demo_server(Path(workdir)) as base_url,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(
            executable_path=chromium_executable(), args=CHROMIUM_ARGS
        )
        try:
            for path in take_screenshots(browser, base_url, folder):
                print(path)
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
