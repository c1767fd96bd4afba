"""The audit trail of a case, in words for its page: what happened at each version, when it was
recorded, by whom, with which values; a correction as old -> new with its reason.

The rows are plain values; templates/case_audit.html lays them out as a table.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from application.results import HistoryEntry

EVENT_WORDS = {
    "CaseOpened": "Case opened",
    "SponsorDetailsCorrected": "Sponsor's details corrected",
    "SponsorPermitGranted": "Sponsor granted an asylum permit",
    "SponsorPermitGrantCorrected": "Sponsor's grant corrected",
    "FamilyMemberRegistered": "Family member registered",
    "FamilyMemberDetailsCorrected": "Family member's details corrected",
    "FamilyMemberArrived": "Family member arrived",
    "FamilyMemberArrivalCorrected": "Family member's arrival corrected",
    "ApplicationSubmitted": "Application submitted",
    "ApplicationCorrected": "Application corrected",
    "DocumentReceived": "Document received",
    "AssessmentRecorded": "Assessment recorded",
    "DecisionTaken": "Decision taken",
    "PermitIssued": "Permit issued",
    "ApplicationWithdrawn": "Withdrawn",
    "DecisionPeriodExtended": "Decision period extended",
    "CaseErased": "Personal data erased",
}
# Shown once, in the row's own columns (the reason), or as the member's name.
_NOT_IN_DETAILS = {"correction_reason", "member_id"}
_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


def event_in_words(event: str) -> str:
    """A recorded event's name as a sentence (an unknown name split at its capitals)."""
    return EVENT_WORDS.get(event) or _CAMEL.sub(" ", event).capitalize()


def instant_text(instant: datetime) -> str:
    """An instant as a person reads it: in UTC, to the second."""
    return instant.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def value_text(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ", ".join(value_text(v) for v in value) or "none"
    if isinstance(value, dict):
        return "; ".join(f"{field_words(k)}: {value_text(v)}" for k, v in value.items())
    return str(value)


def field_words(name: str) -> str:
    return name.replace("_", " ")


@dataclass(frozen=True)
class Change:
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class AuditRow:
    version: int
    event: str
    what: str
    recorded_at: datetime
    recorded_text: str
    actor: str
    member: str | None
    details: tuple[tuple[str, str], ...]
    changes: tuple[Change, ...]
    reason: str | None
    later: bool  # recorded after the version the page shows
    shown: bool  # the version the page shows


def _changes_of(entry: HistoryEntry) -> tuple[Change, ...]:
    if not entry.changes:
        return ()
    old, new = entry.changes.get("old", {}), entry.changes.get("new", {})
    return tuple(Change(field_words(f), value_text(old[f]), value_text(new.get(f))) for f in old)


def member_names(entries: Iterable[HistoryEntry]) -> dict[str, str]:
    """Each member's name as last recorded (registration or corrected details)."""
    names: dict[str, str] = {}
    for entry in entries:
        member_id, name = entry.data.get("member_id"), entry.data.get("name")
        if member_id and name:
            names[member_id] = name
    return names


# A trail longer than this shows this many versions around the one shown (and links to the
# whole): a case of 2,000 events made a page of 1.4 MB that took 0.44 s, 80% of it this table.
AUDIT_WINDOW = 100


def audit_window(latest: int, shown_version: int, size: int = AUDIT_WINDOW) -> range:
    """The versions the trail shows: all of them up to `size`, else `size` versions with the
    shown version in the middle (or as near it as the trail's ends allow)."""
    if latest <= size:
        return range(1, latest + 1)
    first = min(max(1, shown_version - size // 2), latest - size + 1)
    return range(first, first + size)


def audit_rows(
    entries: tuple[HistoryEntry, ...], shown_version: int, versions: range | None = None
) -> list[AuditRow]:
    """The entries of `versions` (all by default), oldest first, in words; those after
    `shown_version` marked `later`. Members are named as last recorded in the whole trail."""
    names = member_names(entries)
    rows = []
    for entry in entries if versions is None else entries[versions.start - 1 : versions.stop - 1]:
        member_id = entry.data.get("member_id")
        changes = _changes_of(entry)
        details = (
            ()
            if changes
            else tuple(
                (field_words(k), value_text(v))
                for k, v in entry.data.items()
                if k not in _NOT_IN_DETAILS
            )
        )
        rows.append(
            AuditRow(
                version=entry.version,
                event=entry.event,
                what=event_in_words(entry.event),
                recorded_at=entry.recorded_at,
                recorded_text=instant_text(entry.recorded_at),
                actor=entry.actor,
                member=names.get(member_id, member_id) if member_id else None,
                details=details,
                changes=changes,
                reason=entry.reason,
                later=entry.version > shown_version,
                shown=entry.version == shown_version,
            )
        )
    return rows
