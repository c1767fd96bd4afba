"""Plain answers the application gives: what a command did, and read models of one case."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from domain.deadline import CaseDeadline
from domain.eligibility import MemberEligibility
from domain.facts import CaseFacts


@dataclass(frozen=True)
class CommandResult:
    """What a command answers: the case, its version after the command, and the member the
    command brought into being (a registration)."""

    case_id: str
    version: int
    member_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CommandResult:
        # Answers kept before this shape also held "created" and "recorded".
        return cls(data["case_id"], data["version"], data.get("member_id"))


@dataclass(frozen=True)
class CaseRecord:
    facts: CaseFacts
    version: int
    opened_at: datetime
    modified_at: datetime
    as_of: date
    # Per refused member: the grounds whose rule was met on decided_on (DOMAIN.md).
    grounds_not_supported: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class CaseDeadlineAnswer:
    case_id: str
    version: int
    as_of: date
    deadline: CaseDeadline


@dataclass(frozen=True)
class CaseEligibilityAnswer:
    case_id: str
    version: int
    as_of: date
    members: tuple[MemberEligibility, ...]


@dataclass(frozen=True)
class HistoryEntry:
    version: int
    event: str
    recorded_at: datetime
    actor: str
    data: dict[str, Any]
    changes: dict[str, dict[str, Any]] | None = None  # corrections: {"old": {...}, "new": {...}}
    reason: str | None = None  # corrections: the correction_reason
    # DecisionTaken: the grounds whose rule was met on decided_on (DOMAIN.md); None for others.
    ground_not_supported: tuple[str, ...] | None = None
    # An erased case: the personal fields of `data` (null there), whose values are gone.
    erased: tuple[str, ...] | None = None


T = TypeVar("T")


@dataclass(frozen=True)
class ReportAnswer(Generic[T]):
    as_of: date
    known_at: datetime | None
    report: T
