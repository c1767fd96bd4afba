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
from typing import Any, dataclass_transform
from uuid import uuid4

from domain.facts import MemberDetails, Sponsor


def _created_id() -> Any:
    """A field for an id the command creates: made with the command, left out of its fingerprint."""
    return field(default_factory=lambda: str(uuid4()), metadata={"created_here": True})


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
class Command:
    """Every command names its case: `case_id` (a new case's is made when the command is).

    Every subclass is made a frozen dataclass here, as the library makes every event class one, so
    that none can miss the decorator: a command is a value, and the same values are the same
    command."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        dataclass(frozen=True)(cls)

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


class CaseCommand(Command):
    case_id: str


class MemberCommand(CaseCommand):
    member_id: str


class Correctable(Command):
    """A command that records a fact, or corrects the recorded one when its values differ: then
    it needs a `correction_reason` (named, as it comes after the values)."""

    correction_reason: str | None = field(default=None, kw_only=True)


class OpenCase(Command):
    sponsor: Sponsor
    case_id: str = _created_id()


class CorrectSponsorDetails(Correctable, CaseCommand):
    sponsor: Sponsor


class GrantSponsorPermit(Correctable, CaseCommand):
    granted_on: date
    permit_kind: str


class RegisterMember(CaseCommand):
    details: MemberDetails
    member_id: str = _created_id()


class CorrectMemberDetails(Correctable, MemberCommand):
    details: MemberDetails


class RecordArrival(Correctable, MemberCommand):
    arrived_on: date


class SubmitApplication(Correctable, MemberCommand):
    submitted_on: date
    channel: str


class ReceiveDocument(MemberCommand):
    received_on: date
    kind: str
    official: bool


class RecordAssessment(MemberCommand):
    assessed_on: date
    criterion: str
    outcome: str
    note: str


class TakeDecision(MemberCommand):
    decided_on: date
    outcome: str
    grounds: tuple[str, ...] = ()


class IssuePermit(MemberCommand):
    issued_on: date
    valid_from: date


class Withdraw(MemberCommand):
    withdrawn_on: date
    reason: str


class ExtendDecisionPeriod(MemberCommand):
    extended_on: date
    reason: str


def created_member_id(command: Command) -> str | None:
    """The id of the member the command brings into being, if it does."""
    return command.member_id if isinstance(command, RegisterMember) else None
