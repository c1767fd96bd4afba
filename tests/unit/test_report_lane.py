"""Reports across all cases take turns (infrastructure/api/report_lane.py): a second report waits
until the first is answered; a command or a case view never waits for a report."""

from __future__ import annotations

import asyncio

from infrastructure.api.report_lane import ReportLane, is_report


class HeldApp:
    """An app that answers a request only when the test lets it, and notes who came in."""

    def __init__(self) -> None:
        self.entered: list[str] = []
        self.release = asyncio.Event()

    async def __call__(self, scope, receive, send) -> None:
        self.entered.append(scope["path"])
        await self.release.wait()


def request(path: str, method: str = "GET") -> dict:
    return {"type": "http", "method": method, "path": path}


async def nothing() -> dict:
    return {}


async def ignore(_message) -> None:
    return None


def test_a_second_report_waits_for_the_first_and_commands_and_case_views_do_not():
    async def scenario() -> tuple[list[str], list[str]]:
        app = HeldApp()
        lane = ReportLane(app, lanes=1)
        calls = [
            lane(request(path, method), nothing, ignore)
            for path, method in (
                ("/reports/deadlines", "GET"),
                ("/reports/caseload", "GET"),
                ("/cases/abc/members/def/documents", "POST"),
                ("/cases/abc", "GET"),
            )
        ]
        tasks = [asyncio.create_task(call) for call in calls]
        for _ in range(5):
            await asyncio.sleep(0)  # let every request get as far as it can
        entered_while_held = list(app.entered)
        app.release.set()
        await asyncio.gather(*tasks)
        return entered_while_held, app.entered

    held, entered = asyncio.run(scenario())
    assert held == ["/reports/deadlines", "/cases/abc/members/def/documents", "/cases/abc"]
    assert entered[-1] == "/reports/caseload"  # once the first was answered


def test_the_reports_and_the_listing_of_cases_take_a_lane_and_nothing_else_does():
    assert is_report(request("/reports/deadlines"))
    assert is_report(request("/reports/caseload", "HEAD"))
    assert is_report(request("/cases"))
    assert not is_report(request("/cases", "POST"))
    assert not is_report(request("/cases/abc"))
    assert not is_report(request("/cases/abc/history"))
    assert not is_report(request("/health"))


def test_the_work_queue_and_reports_of_the_browser_view_take_a_lane_and_its_other_pages_do_not():
    for path in (
        "/ui",
        "/ui/",
        "/ui/reports",
        "/ui/reports/",
        "/ui/reports/deadlines.csv",
        "/ui/reports/caseload.csv",
    ):
        assert is_report(request(path)), path
    assert not is_report(request("/ui/reportsx"))
    assert not is_report(request("/ui/cases/abc"))
    assert not is_report(request("/ui/login"))
    assert not is_report(request("/ui/static/nareis.css"))
    assert not is_report(request("/ui/login", "POST"))
    assert not is_report(request("/ui/reports", "POST"))
