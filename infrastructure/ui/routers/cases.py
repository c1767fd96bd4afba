"""A case's page, `/ui/cases/{case_id}`: its term as a timeline, each member's checklist, the
audit trail, and how the case stood (`as_of`) and what was known (`known_at`) on an earlier day.

Time travel: the page takes `as_of` (a date), `known_at` (an RFC 3339 instant) and `version` (a
recorded version of the case, which the slider sends): a version stands for the instant it was
recorded at, so the page shows the case as known at that instant. An instant cannot tell apart
two versions recorded in the same microsecond: asked for the first of them, the page shows the
last one recorded at that instant, and says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from application.results import CaseRecord, HistoryEntry
from application.service import NareisApplication
from domain.errors import CaseErased, CaseNotFound
from infrastructure.api import mapping, schemas
from infrastructure.ui import timeline
from infrastructure.ui.case_audit import audit_rows, audit_window, event_in_words, instant_text
from infrastructure.ui.pages import App, SignedIn, parse_day, parse_instant, render
from infrastructure.ui.session import Session

router = APIRouter(prefix="/ui/cases", include_in_schema=False)

# Years an `as_of` may be in: the domain counts months and years from it.
FIRST_YEAR, LAST_YEAR = 1900, 2999


@dataclass(frozen=True)
class Problem:
    """A value of the query that could not be used: the field's id, its name, and why."""

    field: str
    name: str
    message: str


@dataclass
class TimeQuery:
    """The page's query string, read leniently: a value that cannot be used is named in
    `problems` and left out, and the page shows today's latest state instead."""

    as_of: date | None = None
    known_at: datetime | None = None
    version: int | None = None
    whole_trail: bool = False  # `trail=all`: every version of the audit trail, however many
    problems: list[Problem] = field(default_factory=list)

    @classmethod
    def read(cls, params: dict[str, str]) -> TimeQuery:
        query = cls()
        query.as_of = query._day(params.get("as_of", "").strip())
        query.known_at = query._instant(params.get("known_at", "").strip())
        query.version = query._version(params.get("version", "").strip())
        query.whole_trail = params.get("trail", "").strip() == "all"
        return query

    def _day(self, text: str) -> date | None:
        if not text:
            return None
        try:
            day = parse_day(text)
        except ValueError:
            day = None
        if day is None or not FIRST_YEAR <= day.year <= LAST_YEAR:
            self.problems.append(
                Problem(
                    "as_of",
                    "As of",
                    f"{text!r} is not a date (YYYY-MM-DD, {FIRST_YEAR} "
                    f"to {LAST_YEAR}); showing today.",
                )
            )
            return None
        return day

    def _instant(self, text: str) -> datetime | None:
        if not text:
            return None
        try:
            return parse_instant(text)
        except ValueError:
            self.problems.append(
                Problem(
                    "known-version",
                    "Known at",
                    f"{text!r} is not an instant in RFC 3339 with "
                    "a time zone (e.g. 2026-03-01T09:30:00Z); showing the latest version.",
                )
            )
            return None

    def _version(self, text: str) -> int | None:
        if not text:
            return None
        if not text.isdigit() or len(text) > 9 or int(text) < 1:
            self.problems.append(
                Problem(
                    "known-version",
                    "Version",
                    f"{text!r} is not a version number; showing the latest version.",
                )
            )
            return None
        return int(text)


@dataclass(frozen=True)
class Versions:
    """The case's recorded versions (its audit trail as known now): when each was recorded."""

    entries: tuple[HistoryEntry, ...]

    @property
    def latest(self) -> int:
        return self.entries[-1].version

    def recorded_at(self, version: int) -> datetime:
        return self.entries[version - 1].recorded_at

    def labels(self) -> dict[str, str]:
        """For the slider: each version in words (what happened, when, by whom)."""
        return {
            str(e.version): f"Version {e.version} of {self.latest}: {event_in_words(e.event)}, "
            f"recorded {instant_text(e.recorded_at)} by {e.actor}"
            for e in self.entries
        }

    def known_at_of(self, query: TimeQuery) -> datetime | None:
        """The instant the page shows the case as known at: the version's (None for the latest),
        else `known_at`; one before the case was first recorded is a problem, and ignored."""
        if query.version is not None:
            if query.version > self.latest:
                query.problems.append(
                    Problem(
                        "known-version",
                        "Version",
                        f"There is no version {query.version}: "
                        f"the case has versions 1 to {self.latest}; showing the latest.",
                    )
                )
                return None
            return None if query.version == self.latest else self.recorded_at(query.version)
        if query.known_at is not None and query.known_at < self.recorded_at(1):
            query.problems.append(
                Problem(
                    "known-version",
                    "Known at",
                    f"The case was first recorded at "
                    f"{instant_text(self.recorded_at(1))}, after {query.known_at.isoformat()}; "
                    "showing the latest version.",
                )
            )
            return None
        return query.known_at


def case_page_response(
    request: Request,
    session: Session,
    app: NareisApplication,
    case_id: str,
    *,
    as_of: date | None = None,
    known_at: datetime | None = None,
    forms: dict[str, Any] | None = None,
    status: int = 200,
    query: TimeQuery | None = None,
) -> Response:
    """The case page. `forms`: what the command forms show again after a refusal (by form
    name: the values sent and the refusal in words); `status`: the answer's status (a refused
    form is shown with 409, 412 or 422). `query`: the page's own time query, whose version (if
    any) wins over `known_at`, and whose problems are shown."""
    query = query or TimeQuery(as_of=as_of, known_at=known_at)
    try:
        versions = Versions(tuple(app.history(case_id)))
        known_at = versions.known_at_of(query)
        record = app.get_case(case_id, query.as_of, known_at)
    except CaseNotFound as error:
        return _no_case_page(request, session, 404, "Case not found", error.detail)
    except CaseErased as error:
        return _no_case_page(request, session, 410, "Case erased", error.detail)
    context = _page_context(app, record, versions, query, known_at)
    return render(request, "case.html", session, status, forms=forms or {}, **context)


def _no_case_page(
    request: Request, session: Session, status: int, title: str, detail: str
) -> Response:
    return render(request, "refused.html", session, status, title=title, detail=detail)


def _page_context(
    app: NareisApplication,
    record: CaseRecord,
    versions: Versions,
    query: TimeQuery,
    known_at: datetime | None,
) -> dict[str, Any]:
    """What case.html shows: the case, its deadline and checklists on the date shown as known at
    the instant shown, the timeline, the audit trail, and the time travel's state."""
    case_id, on = record.facts.case_id, record.as_of
    deadline = mapping.deadline_out(app.deadline(case_id, on, known_at))
    eligibility = mapping.eligibility_out(app.eligibility(case_id, on, known_at))
    today = app.today()
    case = mapping.case_out(record)
    window = (
        range(1, versions.latest + 1)
        if query.whole_trail
        else audit_window(versions.latest, record.version)
    )
    return {
        "case": case,
        "version": record.version,
        "latest_version": versions.latest,
        "known_at": known_at,
        "shown_at": versions.recorded_at(record.version),
        "shown_at_text": instant_text(versions.recorded_at(record.version)),
        "asked_version": query.version,
        "as_of": on,
        "today": today,
        "is_past": on != today or record.version != versions.latest,
        "problems": query.problems,
        "deadline": deadline,
        "eligibility": {m.member_id: m for m in eligibility.members},
        "member_deadlines": {m.member_id: m for m in deadline.members},
        "stages": {m.member_id: str(m.stage) for m in record.facts.members},
        "timeline": _timeline_of(case, deadline, today),
        "audit": audit_rows(versions.entries, record.version, window),
        "audit_window": window,
        "whole_trail": query.whole_trail,
        "version_labels": versions.labels(),
    }


def _timeline_of(
    case: schemas.CaseOut, deadline: schemas.DeadlineOut, today: date
) -> timeline.Timeline:
    term = None
    if case.sponsor_permit and deadline.term_starts_on and deadline.term_ends_on:
        assert deadline.nominal_ends_on is not None
        term = timeline.TermDates(
            case.sponsor_permit.granted_on,
            deadline.term_starts_on,
            deadline.nominal_ends_on,
            deadline.term_ends_on,
        )
    due = {m.member_id: m.decision_due_on for m in deadline.members}
    members = [
        timeline.MemberDates(
            member_id=m.member_id,
            name=m.name,
            submitted_on=m.application.submitted_on if m.application else None,
            decision_due_on=due.get(m.member_id),
            decided_on=m.decision.decided_on if m.decision else None,
            decision_outcome=str(m.decision.outcome) if m.decision else None,
            permit_issued_on=m.permit.issued_on if m.permit else None,
            withdrawn_on=m.withdrawal.withdrawn_on if m.withdrawal else None,
        )
        for m in case.members
    ]
    return timeline.build_timeline(term, case.as_of, members, case.as_of == today)


@router.get("/{case_id}", response_class=HTMLResponse)
def case_page(case_id: str, request: Request, session: SignedIn, app: App) -> Response:
    """The case on `as_of` (today by default) as known at `known_at` or at `version` (the
    latest by default); values that cannot be used are named on the page, never a stack."""
    query = TimeQuery.read(dict(request.query_params))
    return case_page_response(request, session, app, case_id, query=query)
