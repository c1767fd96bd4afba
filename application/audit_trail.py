"""The audit trail of one case: every recorded event, oldest first, as a `HistoryEntry`.

A correction's entry carries the values it changed, old and new, and its reason (the shape Dutch case
systems call "wijzigingen {oud, nieuw}" and "toelichting"). The old values are read from the case as
it stood just before the correction, so the trail replays the case once, event by event.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields, replace
from datetime import date
from typing import Any

from application.results import HistoryEntry
from domain.case import Case
from domain.erasure import PERSONAL_FIELDS

# The business date of each kind of fact that has one (DOMAIN.md "Rules": facts without a business
# date, such as the case opening, a registration or a correction of details, count at every date).
BUSINESS_DATE_FIELD: dict[type, str] = {
    Case.SponsorPermitGranted: "granted_on",
    Case.SponsorPermitGrantCorrected: "granted_on",
    Case.FamilyMemberArrived: "arrived_on",
    Case.FamilyMemberArrivalCorrected: "arrived_on",
    Case.ApplicationSubmitted: "submitted_on",
    Case.ApplicationCorrected: "submitted_on",
    Case.DocumentReceived: "received_on",
    Case.AssessmentRecorded: "assessed_on",
    Case.DecisionTaken: "decided_on",
    Case.PermitIssued: "issued_on",
    Case.ApplicationWithdrawn: "withdrawn_on",
    Case.DecisionPeriodExtended: "extended_on",
}
_EVENT_ENVELOPE = {"originator_id", "originator_version", "timestamp", "originator_topic", "actor"}


def business_date_of(recorded: object) -> date | None:
    """The date the recorded fact happened in the world; None for facts without one."""
    field = BUSINESS_DATE_FIELD.get(type(recorded))
    return getattr(recorded, field) if field is not None else None


def _fields_of(value: object | None) -> dict[str, Any]:
    return {f.name: getattr(value, f.name) for f in fields(value)} if value else {}  # type: ignore[arg-type]


# What each kind of correction replaces, read from the case just before it is applied.
_VALUES_BEFORE: dict[type, Callable[[Case, Any], dict[str, Any]]] = {
    Case.SponsorDetailsCorrected: lambda case, _: _fields_of(case.sponsor),
    Case.SponsorPermitGrantCorrected: lambda case, _: _fields_of(case.grant),
    Case.FamilyMemberDetailsCorrected: lambda case, e: _fields_of(case.member(e.member_id).details),
    Case.FamilyMemberArrivalCorrected: lambda case, e: {
        "arrived_on": case.member(e.member_id).arrived_on
    },
    Case.ApplicationCorrected: lambda case, e: _fields_of(case.member(e.member_id).application),
}


def correction_changes(case: Case, correction: object) -> dict[str, dict[str, Any]] | None:
    """For a correction about to be applied to `case`: the changed fields' old and new values, as
    `{"old": {...}, "new": {...}}`. None for events that are not corrections."""
    values_before = _VALUES_BEFORE.get(type(correction))
    if values_before is None:
        return None
    before = values_before(case, correction)
    old = {f: v for f, v in before.items() if v != getattr(correction, f)}
    return {"old": old, "new": {f: getattr(correction, f) for f in old}}


def _entry(recorded: Any, changes: dict[str, dict[str, Any]] | None) -> HistoryEntry:
    data = {k: v for k, v in vars(recorded).items() if k not in _EVENT_ENVELOPE}
    return HistoryEntry(
        version=recorded.originator_version,
        event=type(recorded).__name__,
        recorded_at=recorded.timestamp,
        actor=recorded.actor,
        data=data,
        changes=changes,
        reason=data.get("correction_reason"),
    )


@dataclass(frozen=True)
class AuditTrail:
    """The entries of a case's events, and the case they add up to (None without events)."""

    entries: tuple[HistoryEntry, ...]
    case: Case | None

    @classmethod
    def of(cls, events: Iterable[Any], as_of: date | None = None) -> AuditTrail:
        """Every event's entry, oldest first; with `as_of`, only the facts that counted on that
        date (and those without a business date). The case is replayed from all the events."""
        entries: list[HistoryEntry] = []
        case: Case | None = None
        for recorded in events:
            changes = correction_changes(case, recorded) if case is not None else None
            case = recorded.mutate(case)
            happened_on = business_date_of(recorded)
            if as_of is None or happened_on is None or happened_on <= as_of:
                entries.append(_entry(recorded, changes))
        return cls(tuple(entries), case)

    def with_grounds_marked(self, marks: dict[str, tuple[str, ...]]) -> list[HistoryEntry]:
        """The entries, each DecisionTaken with the member's grounds not supported (`marks`, per
        member, as in the case view; `()` for a member with none)."""
        return [
            replace(e, ground_not_supported=marks.get(e.data["member_id"], ()))
            if e.event == "DecisionTaken"
            else e
            for e in self.entries
        ]

    def without_personal_data(self) -> list[HistoryEntry]:
        """The entries of an erased case: every personal field null and named in `erased`, in
        `data` and in a correction's changes (a change of personal fields alone shows no values);
        the grounds not supported are not judged (the ages they need are gone)."""
        return [_without_personal_data(entry) for entry in self.entries]


def _without_personal_data(entry: HistoryEntry) -> HistoryEntry:
    personal = tuple(
        f for f, value in entry.data.items() if f in PERSONAL_FIELDS and value is not None
    )
    data = {f: None if f in personal else value for f, value in entry.data.items()}
    changes = entry.changes and {
        side: {f: v for f, v in values.items() if f not in PERSONAL_FIELDS}
        for side, values in entry.changes.items()
    }
    return replace(entry, data=data, changes=changes, reason=None, erased=personal)
