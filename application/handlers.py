"""One small handler per command: it calls the `Case` aggregate, which checks the command against
what the case records and records its events. Loading, the expected version, saving and
idempotency are the command path's (`NareisApplication.execute`), the same for every command.
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


def open_case(command: OpenCase, context: HandlerContext) -> Case:
    return Case.open(
        command.sponsor, actor=context.actor, today=context.today, case_id=UUID(command.case_id)
    )


def correct_sponsor_details(
    case: Case, command: CorrectSponsorDetails, context: HandlerContext
) -> None:
    case.correct_sponsor_details(
        command.sponsor, command.correction_reason, actor=context.actor, today=context.today
    )


def grant_sponsor_permit(case: Case, command: GrantSponsorPermit, context: HandlerContext) -> None:
    case.grant_sponsor_permit(
        command.granted_on,
        command.permit_kind,
        command.correction_reason,
        actor=context.actor,
        today=context.today,
    )


def register_member(case: Case, command: RegisterMember, context: HandlerContext) -> None:
    case.register_member(
        command.member_id, command.details, actor=context.actor, today=context.today
    )


def correct_member_details(
    case: Case, command: CorrectMemberDetails, context: HandlerContext
) -> None:
    case.correct_member_details(
        command.member_id,
        command.details,
        command.correction_reason,
        actor=context.actor,
        today=context.today,
    )


def record_arrival(case: Case, command: RecordArrival, context: HandlerContext) -> None:
    case.record_arrival(
        command.member_id,
        command.arrived_on,
        command.correction_reason,
        actor=context.actor,
        today=context.today,
    )


def submit_application(case: Case, command: SubmitApplication, context: HandlerContext) -> None:
    case.submit_application(
        command.member_id,
        command.submitted_on,
        command.channel,
        command.correction_reason,
        actor=context.actor,
        today=context.today,
    )


def receive_document(case: Case, command: ReceiveDocument, context: HandlerContext) -> None:
    case.receive_document(
        command.member_id,
        command.received_on,
        command.kind,
        command.official,
        actor=context.actor,
        today=context.today,
    )


def record_assessment(case: Case, command: RecordAssessment, context: HandlerContext) -> None:
    case.record_assessment(
        command.member_id,
        command.assessed_on,
        command.criterion,
        command.outcome,
        command.note,
        actor=context.actor,
        today=context.today,
    )


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
    )


def issue_permit(case: Case, command: IssuePermit, context: HandlerContext) -> None:
    case.issue_permit(
        command.member_id,
        command.issued_on,
        command.valid_from,
        actor=context.actor,
        today=context.today,
    )


def withdraw(case: Case, command: Withdraw, context: HandlerContext) -> None:
    case.withdraw(
        command.member_id,
        command.withdrawn_on,
        command.reason,
        actor=context.actor,
        today=context.today,
    )


def extend_decision_period(
    case: Case, command: ExtendDecisionPeriod, context: HandlerContext
) -> None:
    case.extend_decision_period(
        command.member_id,
        command.extended_on,
        command.reason,
        actor=context.actor,
        today=context.today,
    )


Handler = Callable[[Case, Any, HandlerContext], None]

# Every command on an existing case; opening one has no case to load (`open_case`).
HANDLERS: dict[type, Handler] = {
    CorrectSponsorDetails: correct_sponsor_details,
    GrantSponsorPermit: grant_sponsor_permit,
    RegisterMember: register_member,
    CorrectMemberDetails: correct_member_details,
    RecordArrival: record_arrival,
    SubmitApplication: submit_application,
    ReceiveDocument: receive_document,
    RecordAssessment: record_assessment,
    TakeDecision: take_decision,
    IssuePermit: issue_permit,
    Withdraw: withdraw,
    ExtendDecisionPeriod: extend_decision_period,
}
