"""The browser view in headless Chromium (Debian's package, driven by Playwright) against a real
`nareis serve` on the demo cases: sign in, the case whose grant was corrected and the time
slider, recording a document, what an auditor sees, and axe-core's accessibility check."""

from __future__ import annotations

import re
import struct
from collections.abc import Callable
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from tests.browser.demo_server import AUDITOR_TOKEN, CASEWORKER_TOKEN
from tests.browser.screenshots import CORRECTED_CASE_SPONSOR, VIEWPORT, take_screenshots

PageAs = Callable[[str | None], Page]
OLD_TERM_END, CORRECTED_TERM_END = "2027-02-16", "2027-02-09"
SERIOUS = ("serious", "critical")


def open_corrected_case(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/ui?queue=all")
    page.get_by_role("link", name=CORRECTED_CASE_SPONSOR).click()
    page.wait_for_url(f"{base_url}/ui/cases/**")


def member_section(page: Page, name: str):
    return page.locator("section[id^='member-']").filter(
        has=page.get_by_role("heading", name=re.compile(name))
    )


def test_a_caseworker_signs_in_with_a_token_and_lands_on_the_work_queue(page_as: PageAs) -> None:
    page = page_as(CASEWORKER_TOKEN)
    expect(page.get_by_role("heading", level=1)).to_have_text("Work queue")
    expect(page.get_by_text("Signed in as")).to_contain_text("alice (caseworker)")


def test_an_unknown_token_is_refused_in_words_on_the_sign_in_page(
    page_as: PageAs, base_url: str
) -> None:
    page = page_as(None)
    page.goto(f"{base_url}/ui")
    expect(page).to_have_url(re.compile(r"/ui/login\?next=/ui$"))
    page.get_by_label("Token").fill("not-a-token-of-this-server")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("This token is not known.")


def test_the_first_tab_reaches_the_skip_link_and_it_moves_to_the_content(
    page_as: PageAs, base_url: str
) -> None:
    page = page_as(CASEWORKER_TOKEN)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


def test_the_slider_before_the_grant_correction_shows_the_old_term_end(
    page_as: PageAs, base_url: str
) -> None:
    page = page_as(CASEWORKER_TOKEN)
    open_corrected_case(page, base_url)
    expect(page.locator("#term-end")).to_contain_text(CORRECTED_TERM_END)
    expect(page.locator(".notice.past")).to_have_count(0)
    correction = page.locator("#audit-trail tr.correction", has_text="granted on")
    version = int((correction.get_attribute("id") or "").removeprefix("version-"))
    page.locator("#known-version").fill(str(version - 1))  # the form sends itself on change
    expect(page.locator("#term-end")).to_contain_text(OLD_TERM_END)
    expect(page.locator(".notice.past")).to_contain_text("past")


def test_the_slider_moves_with_the_keyboard_and_keeps_the_focus_on_each_new_page(
    page_as: PageAs, base_url: str
) -> None:
    page = page_as(AUDITOR_TOKEN)
    open_corrected_case(page, base_url)
    slider = page.locator("#known-version")
    latest = int(slider.get_attribute("max") or "0")
    slider.focus()
    for step in (1, 2):
        page.keyboard.press("ArrowLeft")
        page.wait_for_url(re.compile(rf"version={latest - step}\b"))
        expect(page.locator("#known-version")).to_be_focused()
        expect(page.locator("#known-version")).to_have_value(str(latest - step))
    expect(page.locator(".notice.past")).to_contain_text(f"version {latest - 2} of {latest}")


def test_recording_a_document_takes_it_off_the_members_missing_documents(
    page_as: PageAs, base_url: str
) -> None:
    page = page_as(CASEWORKER_TOKEN)
    open_corrected_case(page, base_url)
    missing = member_section(page, "Karim El-Amin").locator(".missing-documents")
    expect(missing).to_contain_text(re.compile("sponsor.declaration"))
    page.locator("#form-receive-document summary").click()
    form = page.locator("form[data-command='receive-document']")
    form.get_by_label("Family member").select_option(label="Karim El-Amin (partner)")
    form.get_by_label("Kind of document").select_option(value="sponsor_declaration")
    form.get_by_label("Received on").fill("2026-11-25")
    form.get_by_role("radio", name="Yes").check()  # an official document
    form.get_by_role("button", name="Record a document").click()
    expect(page.locator("#done-notice")).to_contain_text("Document recorded for Karim El-Amin")
    expect(missing).not_to_contain_text(re.compile("sponsor.declaration"))


def test_an_auditor_reads_the_case_and_its_checklists_but_sees_no_form(
    page_as: PageAs, base_url: str
) -> None:
    page = page_as(AUDITOR_TOKEN)
    open_corrected_case(page, base_url)
    expect(member_section(page, "Karim El-Amin").locator("tr[data-rule='timely']")).to_be_visible()
    expect(page.locator("form[data-command]")).to_have_count(0)
    expect(page.locator("#time-travel")).to_be_visible()


def _serious_violations(page: Page) -> list[str]:
    found = Axe().run(page).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in found
        if v["impact"] in SERIOUS
    ]


def test_no_page_has_a_serious_or_critical_accessibility_violation(
    page_as: PageAs, base_url: str
) -> None:
    page = page_as(None)
    page.goto(f"{base_url}/ui/login")
    checked = {"sign-in": _serious_violations(page)}
    page = page_as(CASEWORKER_TOKEN)
    for queue in ("terms", "decisions", "permits", "all"):
        page.goto(f"{base_url}/ui?queue={queue}")
        checked[f"queue {queue}"] = _serious_violations(page)
    open_corrected_case(page, base_url)
    checked["case page"] = _serious_violations(page)
    page.goto(page.url + "?as_of=2026-11-10")
    checked["case page in the past"] = _serious_violations(page)
    page.goto(f"{base_url}/ui/reports")
    checked["reports"] = _serious_violations(page)
    page.goto(f"{base_url}/ui/cases/new")
    checked["new case"] = _serious_violations(page)
    auditor = page_as(AUDITOR_TOKEN)
    open_corrected_case(auditor, base_url)
    checked["case page, auditor"] = _serious_violations(auditor)
    assert {name: found for name, found in checked.items() if found} == {}
    assert len(checked) == 10


def test_the_readme_screenshots_are_taken_in_the_browser(
    browser: Browser, base_url: str, tmp_path: Path
) -> None:
    paths = take_screenshots(browser, base_url, tmp_path)
    assert [p.name for p in paths] == ["work-queue.png", "case-page.png", "reports.png"]
    for path in paths:
        header = path.read_bytes()[:24]
        assert header[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = struct.unpack(">II", header[16:24])
        assert width == VIEWPORT["width"] and height >= VIEWPORT["height"] // 2, path.name
