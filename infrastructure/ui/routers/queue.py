"""The work queue, `/ui`: the cases that need doing, by what needs doing, a page at a time."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from application.projections import CaseListFilter
from domain.vocabulary import DeadlineStatus, Route, Stage
from infrastructure.api import mapping, schemas
from infrastructure.ui.pages import App, SignedIn, parse_day, render

router = APIRouter(prefix="/ui", include_in_schema=False)

PAGE_SIZE = 25
DEFAULT_WITHIN_DAYS = 14


@dataclass(frozen=True)
class Queue:
    key: str
    title: str
    explains: str


QUEUES = (
    Queue("terms", "Terms ending soon", "Cases whose 3-month term ends within the next days."),
    Queue(
        "decisions",
        "Decisions due",
        "Cases with an application whose decision is overdue or due within the next days.",
    ),
    Queue(
        "permits",
        "Permits past target",
        "Cases with a member granted more than 4 days ago whose permit is not issued yet.",
    ),
    Queue("all", "All cases", "Every case, with the filters of the case listing."),
)
QUEUE_BY_KEY = {queue.key: queue for queue in QUEUES}
_CURSOR = re.compile(schemas.CURSOR_PATTERN)


@dataclass
class QueueQuery:
    """The queue's query string, read leniently: a value that cannot be used is named in
    `problems` and left out, and the page is still shown."""

    queue: Queue
    within: int
    as_of: date | None
    status: str | None
    days_left: int | None
    route: str | None
    stage: str | None
    after: str | None
    problems: list[str]

    @classmethod
    def read(cls, params: dict[str, str]) -> QueueQuery:
        problems: list[str] = []
        queue = QUEUE_BY_KEY.get(params.get("queue") or "terms")
        if queue is None:
            problems.append(f"There is no queue {params['queue']!r}; showing terms ending soon.")
            queue = QUEUE_BY_KEY["terms"]
        return cls(
            queue=queue,
            within=_whole(params, "within", problems) or DEFAULT_WITHIN_DAYS,
            as_of=_day(params, "as_of", problems),
            status=_one_of(params, "status", DeadlineStatus, problems),
            days_left=_whole(params, "days_left", problems),
            route=_one_of(params, "route", Route, problems),
            stage=_one_of(params, "stage", Stage, problems),
            after=_cursor(params, problems),
            problems=problems,
        )

    def where(self) -> CaseListFilter:
        if self.queue.key == "terms":
            return CaseListFilter(status="open", days_left_at_most=self.within)
        if self.queue.key == "decisions":
            return CaseListFilter(decision_due_within_days=self.within)
        if self.queue.key == "permits":
            return CaseListFilter(permit_over_target=True)
        return CaseListFilter(
            status=self.status, days_left_at_most=self.days_left, route=self.route, stage=self.stage
        )

    def link(self, **changes: object) -> dict[str, object]:
        """The query of this view with `changes` (for links to other queues and pages)."""
        query: dict[str, object] = {
            "queue": self.queue.key,
            "within": self.within if self.within != DEFAULT_WITHIN_DAYS else None,
            "as_of": self.as_of,
        }
        if self.queue.key == "all":
            query |= {
                "status": self.status,
                "days_left": self.days_left,
                "route": self.route,
                "stage": self.stage,
            }
        return query | changes


def _whole(params: dict[str, str], name: str, problems: list[str]) -> int | None:
    text = params.get(name, "").strip()
    if not text:
        return None
    if not text.isdigit() or int(text) > 100_000:
        problems.append(f"{name.replace('_', ' ')}: {text!r} is not a number of days (0 to 100000).")
        return None
    return int(text)


def _day(params: dict[str, str], name: str, problems: list[str]) -> date | None:
    text = params.get(name, "").strip()
    if not text:
        return None
    try:
        return parse_day(text)
    except ValueError:
        problems.append(f"{name.replace('_', ' ')}: {text!r} is not a date (YYYY-MM-DD).")
        return None


def _one_of(params: dict[str, str], name: str, values: type, problems: list[str]) -> str | None:
    text = params.get(name, "").strip()
    if not text:
        return None
    allowed = [str(v) for v in values]
    if text not in allowed:
        problems.append(f"{name}: {text!r} is not one of {', '.join(allowed)}.")
        return None
    return text


def _cursor(params: dict[str, str], problems: list[str]) -> str | None:
    text = params.get("after", "").strip()
    if text and not _CURSOR.fullmatch(text):
        problems.append("The page link is damaged; showing the first page.")
        return None
    return text or None


@router.get("", response_class=HTMLResponse)
def work_queue(request: Request, session: SignedIn, app: App) -> Response:
    query = QueueQuery.read(dict(request.query_params))
    answer = app.list_cases(
        query.where(), 1, PAGE_SIZE, query.as_of, None, mapping.page_key(query.after)
    )
    listing = mapping.case_list_out(answer)
    return render(
        request,
        "queue.html",
        session,
        query=query,
        queues=QUEUES,
        listing=listing,
        statuses=list(DeadlineStatus),
        routes=list(Route),
        stages=list(Stage),
        today=app.today(),
    )
