"""A handler per command: it calls the `Case` aggregate, which checks the command against what the
case records and records its events. Most commands only pass their fields on to the `Case` method
of the same name (`Forward`); opening a case and taking a decision do more. Loading, the
expected version, saving and idempotency are the command path's (`NareisApplication.execute`),
the same for every command.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol
from uuid import UUID

from application.commands import (
    CorrectMemberDetails,
    CorrectSponsorDetails,
    ExtendDecisionPeriod,
    GrantSponsorPermit,
    IssuePermit,
    OpenCase,
    ReceiveDocument,
    RecordArrival,
    RecordAssessment,
    RegisterMember,
    SubmitApplication,
    TakeDecision,
    Withdraw,
)
from domain.calendar import ATW_CALENDAR, AtwCalendar
from domain.case import Case


class DependentPermitLookup(Protocol):
    def holds_dependent_permit(self, v_number: str, on: date) -> bool:
        """Whether `v_number` holds a dependent permit issued on or before `on`, known now."""
        ...


@dataclass(frozen=True)
class HandlerContext:
    """What a handler may use besides the case and the command."""

    actor: str
    today: date
    dependent_permits: DependentPermitLookup
    calendar: AtwCalendar = ATW_CALENDAR  # the one the queries count terms with


Handler = Callable[[Case, Any, HandlerContext], None]


def open_case(command: OpenCase, context: HandlerContext) -> Case:
    return Case.open(
        command.sponsor, actor=context.actor, today=context.today, case_id=UUID(command.case_id)
    )


@dataclass(frozen=True)
class Forward:
    """A handler that passes the command's `fields`, in this order, to the `Case` method `method`
    (whose parameters have the same names)."""

    method: str
    fields: tuple[str, ...]

    def __call__(self, case: Case, command: Any, context: HandlerContext) -> None:
        values = (getattr(command, name) for name in self.fields)
        getattr(case, self.method)(*values, actor=context.actor, today=context.today)


def _forward(method: str, *fields: str) -> Forward:
    return Forward(method, fields)


def take_decision(case: Case, command: TakeDecision, context: HandlerContext) -> None:
    holds = context.dependent_permits.holds_dependent_permit(
        case.sponsor.v_number, command.decided_on
    )
    case.take_decision(
        command.member_id,
        command.decided_on,
        command.outcome,
        command.grounds,
        sponsor_holds_dependent_permit=holds,
        actor=context.actor,
        today=context.today,
        calendar=context.calendar,
    )


# Every command on an existing case; opening one has no case to load (`open_case`).
HANDLERS: dict[type, Handler] = {
    CorrectSponsorDetails: _forward("correct_sponsor_details", "sponsor", "correction_reason"),
    GrantSponsorPermit: _forward(
        "grant_sponsor_permit", "granted_on", "permit_kind", "correction_reason"
    ),
    RegisterMember: _forward("register_member", "member_id", "details"),
    CorrectMemberDetails: _forward(
        "correct_member_details", "member_id", "details", "correction_reason"
    ),
    RecordArrival: _forward("record_arrival", "member_id", "arrived_on", "correction_reason"),
    SubmitApplication: _forward(
        "submit_application", "member_id", "submitted_on", "channel", "correction_reason"
    ),
    ReceiveDocument: _forward("receive_document", "member_id", "received_on", "kind", "official"),
    RecordAssessment: _forward(
        "record_assessment", "member_id", "assessed_on", "criterion", "outcome", "note"
    ),
    # The cross-case rule: the aggregate is told whether the sponsor holds a dependent permit.
    TakeDecision: take_decision,
    IssuePermit: _forward("issue_permit", "member_id", "issued_on", "valid_from"),
    Withdraw: _forward("withdraw", "member_id", "withdrawn_on", "reason"),
    ExtendDecisionPeriod: _forward("extend_decision_period", "member_id", "extended_on", "reason"),
}
