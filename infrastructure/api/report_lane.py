"""Reports across all cases take turns: at most REPORT_LANES of them are answered at once in a
process, the others wait (doing nothing) until one is done.

An API process has two cores' worth of CPU at most and one Python lock, shared by every request.
Eight clients reading reports in a loop took half of it, and commands ran at 0.43 of their rate
without readers (`nareis bench`, `mixed_writes`); with the reports in one lane, the whole request
(the query and rendering the page) waiting its turn, commands keep most of the process: 0.76
with one lane (report answers fell from 85 to 30 a second), 0.67 with two (56 a second).
A report waits for the report before it, never for a command. Case views (`/cases/{case_id}`...)
read one case and do not take a lane; nor do the browser view's pages other than its work queue
and reports.
"""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Receive, Scope, Send

REPORT_LANES = 1


def is_report(scope: Scope) -> bool:
    """A reading of all cases: the reports, and the listing of cases; and the browser view's
    work queue (/ui, a listing) and reports page and its CSV files (/ui/reports...), which read
    the same reports (a CSV of every case holds its lane until the last row is sent)."""
    path = scope.get("path", "")
    reading = scope.get("method") in ("GET", "HEAD")
    return reading and (
        path.startswith(("/reports/", "/ui/reports/"))
        or path.rstrip("/") in ("/cases", "/ui", "/ui/reports")
    )


class ReportLane:
    def __init__(self, app: ASGIApp, lanes: int = REPORT_LANES) -> None:
        self.app = app
        self.lanes = asyncio.Semaphore(lanes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_report(scope):
            await self.app(scope, receive, send)
            return
        async with self.lanes:
            await self.app(scope, receive, send)
