"""The reports page, `/ui/reports`: the deadline counts and the caseload as bar charts with the
same figures in tables, as of any business date and as known at any instant; and both as CSV
downloads for a spreadsheet (`deadlines.csv` with every case, `caseload.csv`).

Everything comes from the read model through the application service, as the API's /reports do,
so it may lag a command by a second. Like them, these requests take the report lane
(infrastructure/api/report_lane.py): a report over all cases waits for the one before it."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse

from application.projections import CaseListFilter
from application.service import NareisApplication
from infrastructure.api import mapping, schemas
from infrastructure.ui.charts import Datum, bar_chart, summary
from infrastructure.ui.pages import PAGE_HEADERS, App, SignedIn, parse_day, parse_instant, render
from infrastructure.ui.session import Session

router = APIRouter(prefix="/ui/reports", include_in_schema=False)

CSV_PAGE_SIZE = 1000  # cases per read of the listing while a CSV is written (the API's most)
DEADLINE_STATUSES = (
    ("awaiting_grant", "Awaiting grant"),
    ("open", "Open"),
    ("expired", "Expired"),
)
# The caseload's figures in groups, by the API's names (a group without names is one figure).
CASELOAD_GROUPS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("members_per_stage", "Members per stage", tuple(schemas.StagesOut.model_fields)),
    ("applications", "Applications", tuple(schemas.ApplicationsOut.model_fields)),
    ("overdue_decisions", "Decisions", ()),
    ("permits", "Permits", tuple(schemas.PermitsOut.model_fields)),
)
FIGURE_LABELS = {
    "permit_issued": "Permit issued",
    "within_target": "Within 4 days",
    "over_target": "Over 4 days",
    "overdue_decisions": "Overdue",
}
DEADLINE_CASE_COLUMNS = ("case_id", "sponsor_name", "status", "term_ends_on", "days_left")
# What a spreadsheet reads as the start of a formula (OWASP "CSV injection"): tab and carriage
# return too, which some spreadsheets strip before they look for the others.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class ReportQuery:
    """The page's query string, read leniently: a value that cannot be used is named in
    `problems` (by field, in words), left out, and the report shown without it."""

    as_of: date | None = None
    known_at: datetime | None = None
    typed: dict[str, str] = field(default_factory=dict)  # as sent, to show in the form again
    problems: dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, params: dict[str, str]) -> ReportQuery:
        query = cls(typed={name: params.get(name, "").strip() for name in ("as_of", "known_at")})
        if query.typed["as_of"]:
            query.as_of = query._day(query.typed["as_of"])
        if query.typed["known_at"]:
            query.known_at = query._instant(query.typed["known_at"])
        return query

    def _day(self, text: str) -> date | None:
        try:
            return parse_day(text)
        except ValueError:
            self.problems["as_of"] = f"As of: {text!r} is not a date. Write it as YYYY-MM-DD."
            return None

    def _instant(self, text: str) -> datetime | None:
        try:
            return parse_instant(text)
        except ValueError:
            self.problems["known_at"] = (
                f"Known at: {text!r} is not an instant. Write it in RFC 3339 with a time zone, "
                "for example 2026-11-30T09:30:00Z or 2026-11-30T10:30:00+01:00."
            )
            return None

    def link(self) -> dict[str, object]:
        """The usable part of the query, for the CSV links (a value refused is not passed on)."""
        return {"as_of": self.as_of, "known_at": self.known_at}


def deadline_data(counts: schemas.StatusCountsOut) -> list[Datum]:
    return [Datum(label, getattr(counts, key), key=key) for key, label in DEADLINE_STATUSES]


def caseload_data(caseload: schemas.CaseloadOut) -> list[Datum]:
    """Every figure of the caseload, in groups, each keyed as the API's JSON names it
    (`members_per_stage.registered`), which is also its name in the CSV."""
    data: list[Datum] = []
    for group, title, names in CASELOAD_GROUPS:
        if not names:
            data.append(Datum(_label(group), getattr(caseload, group), title, group))
            continue
        part = getattr(caseload, group)
        data += [Datum(_label(n), getattr(part, n), title, f"{group}.{n}") for n in names]
    return data


def _label(name: str) -> str:
    return FIGURE_LABELS.get(name, name.replace("_", " ").capitalize())


@router.get("", response_class=HTMLResponse)
def reports_page(request: Request, session: SignedIn, app: App) -> Response:
    query = ReportQuery.read(dict(request.query_params))
    return _page(request, session, app, query)


def _page(
    request: Request,
    session: Session,
    app: NareisApplication,
    query: ReportQuery,
    status: int = 200,
) -> Response:
    deadlines = mapping.deadline_report_out(
        app.list_cases(CaseListFilter(), 1, 1, query.as_of, query.known_at)
    )
    caseload = mapping.caseload_out(app.caseload(query.as_of, query.known_at))
    deadline_figures, caseload_figures = deadline_data(deadlines.counts), caseload_data(caseload)
    return render(
        request,
        "reports.html",
        session,
        status,
        query=query,
        as_of=deadlines.as_of,
        today=app.today(),
        now=datetime.now(UTC),
        deadline_figures=deadline_figures,
        deadline_chart=bar_chart(deadline_figures),
        deadline_summary=summary(deadline_figures),
        caseload_figures=caseload_figures,
        caseload_chart=bar_chart(caseload_figures),
        caseload_summary=summary(caseload_figures),
    )


# --- CSV --------------------------------------------------------------------------------------


def csv_cell(value: object) -> str:
    """A value as a CSV cell a spreadsheet shows as text: None empty, and text that starts like a
    formula (a sponsor's name is typed by people) behind an apostrophe, so that a spreadsheet
    does not run it. Numbers and dates are written by us and left as they are (-3 days left
    stays a number)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_STARTS) else value
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def csv_line(cells: Iterable[object]) -> str:
    """One CSV record (RFC 4180: quoted where needed, CRLF at the end)."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow([csv_cell(cell) for cell in cells])
    return out.getvalue()


def deadline_csv(app: NareisApplication, as_of: date, known_at: datetime) -> Iterator[str]:
    """The counts, a blank line, then every case, read a page at a time by the listing's cursor
    while the answer is sent. `known_at` is fixed for the whole file, so a case recorded while
    it is written does not slip in between two pages (and the rows agree with the counts)."""
    answer = app.list_cases(CaseListFilter(), 1, CSV_PAGE_SIZE, as_of, known_at)
    yield "\ufeff" + csv_line(("status", "cases"))  # the mark: a spreadsheet reads UTF-8
    for key, _ in DEADLINE_STATUSES:
        yield csv_line((key, answer.report.counts.get(key, 0)))
    yield "\r\n" + csv_line(DEADLINE_CASE_COLUMNS)
    while True:
        yield "".join(  # a page at a time: one piece sent per read, not one per case
            csv_line(getattr(case, column) for column in DEADLINE_CASE_COLUMNS)
            for case in answer.report.cases
        )
        after = answer.report.next_after
        if after is None:
            return
        answer = app.list_cases(CaseListFilter(), 1, CSV_PAGE_SIZE, as_of, known_at, after)


def caseload_csv(caseload: schemas.CaseloadOut) -> Iterator[str]:
    yield "\ufeff" + csv_line(("figure", "value"))
    for datum in caseload_data(caseload):
        yield csv_line((datum.key, datum.value))


def csv_response(
    lines: Iterator[str], name: str, as_of: date, known_at: datetime | None
) -> StreamingResponse:
    """`lines` sent as they are made, as a file to save whose name says the day (and the instant)
    it was counted on; not kept by the browser or a proxy (it holds personal data)."""
    filename = f"nareis-{name}-{as_of.isoformat()}"
    if known_at is not None:
        filename += "-known-at-" + known_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    headers = PAGE_HEADERS | {"Content-Disposition": f'attachment; filename="{filename}.csv"'}
    return StreamingResponse(lines, media_type="text/csv; charset=utf-8", headers=headers)


@router.get("/deadlines.csv")
def deadlines_csv(request: Request, session: SignedIn, app: App) -> Response:
    """Every case with its deadline status; refused values of the query answer with the page
    that names them (422), not with a file for another day than was asked."""
    query = ReportQuery.read(dict(request.query_params))
    if query.problems:
        return _page(request, session, app, query, status=422)
    as_of = query.as_of or app.today()
    fixed = query.known_at or datetime.now(UTC)
    return csv_response(deadline_csv(app, as_of, fixed), "deadlines", as_of, query.known_at)


@router.get("/caseload.csv")
def caseload_csv_download(request: Request, session: SignedIn, app: App) -> Response:
    query = ReportQuery.read(dict(request.query_params))
    if query.problems:
        return _page(request, session, app, query, status=422)
    caseload = mapping.caseload_out(app.caseload(query.as_of, query.known_at))
    return csv_response(caseload_csv(caseload), "caseload", caseload.as_of, query.known_at)
