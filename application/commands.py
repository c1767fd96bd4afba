"""Commands as data: one frozen dataclass per thing a caseworker can ask the system to record.

A command names its case (and member) and carries the values, nothing else: who sends it, the
version they expect and their idempotency key travel beside it (`CommandContext`). The ids a
command creates (a new case, a new member) are made when the command is built, so that every
attempt to record it, and the answer kept for its idempotency key, name the same id.

`fingerprint()` is a stable digest of what the command asks: its type and its values, without the
ids it creates. The same idempotency key with the same fingerprint gets the first answer again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from datetime import date
from typing import Any
from uuid import uuid4

from domain.facts import MemberDetails, Sponsor

_CREATED_HERE = {"created_here": True}  # field metadata: an id the command creates


def _new_id() -> str:
    return str(uuid4())


@dataclass(frozen=True)
class Command:
    """Every command names its case: `case_id` (a new case's is made when the command is)."""

    def fingerprint(self) -> str:
        asked = {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if not f.metadata.get("created_here")
        }
        canonical = json.dumps(
            [type(self).__name__, _plain(asked)], sort_keys=True, separators=(",", ":")
        )
        return hashlib.sha256(canonical.encode()).hexdigest()


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if is_dataclass(value) and not isinstance(value, type):
        return _plain(asdict(value))
    if isinstance(value, date):
        return value.isoformat()
    return value


@dataclass(frozen=True)
class CaseCommand(Command):
    case_id: str


@dataclass(frozen=True)
class MemberCommand(CaseCommand):
    member_id: str


@dataclass(frozen=True)
class OpenCase(Command):
    sponsor: Sponsor
    case_id: str = field(default_factory=_new_id, metadata=_CREATED_HERE)


@dataclass(frozen=True)
class CorrectSponsorDetails(CaseCommand):
    sponsor: Sponsor
    correction_reason: str | None = None


@dataclass(frozen=True)
class GrantSponsorPermit(CaseCommand):
    granted_on: date
    permit_kind: str
    correction_reason: str | None = None


@dataclass(frozen=True)
class RegisterMember(CaseCommand):
    details: MemberDetails
    member_id: str = field(default_factory=_new_id, metadata=_CREATED_HERE)


@dataclass(frozen=True)
class CorrectMemberDetails(MemberCommand):
    details: MemberDetails
    correction_reason: str | None = None


@dataclass(frozen=True)
class RecordArrival(MemberCommand):
    arrived_on: date
    correction_reason: str | None = None


@dataclass(frozen=True)
class SubmitApplication(MemberCommand):
    submitted_on: date
    channel: str
    correction_reason: str | None = None


@dataclass(frozen=True)
class ReceiveDocument(MemberCommand):
    received_on: date
    kind: str
    official: bool


@dataclass(frozen=True)
class RecordAssessment(MemberCommand):
    assessed_on: date
    criterion: str
    outcome: str
    note: str


@dataclass(frozen=True)
class TakeDecision(MemberCommand):
    decided_on: date
    outcome: str
    grounds: tuple[str, ...] = ()


@dataclass(frozen=True)
class IssuePermit(MemberCommand):
    issued_on: date
    valid_from: date


@dataclass(frozen=True)
class Withdraw(MemberCommand):
    withdrawn_on: date
    reason: str


@dataclass(frozen=True)
class ExtendDecisionPeriod(MemberCommand):
    extended_on: date
    reason: str


def created_member_id(command: Command) -> str | None:
    """The id of the member the command brings into being, if it does."""
    return command.member_id if isinstance(command, RegisterMember) else None
