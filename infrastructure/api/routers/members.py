"""The family-member resource: registration, corrections and every fact of a member's procedure."""

from __future__ import annotations

from fastapi import APIRouter, Response

from infrastructure.api import mapping, schemas
from infrastructure.api.dependencies import App, Command
from infrastructure.api.problems import COMMAND_PROBLEMS

router = APIRouter(prefix="/cases/{case_id}/members", tags=["members"], responses=COMMAND_PROBLEMS)


@router.post("", status_code=201, response_model=schemas.CommandOut)
def register_member(
    case_id: str, body: schemas.MemberIn, meta: Command, app: App, response: Response
):
    """Register a family member (FamilyMemberRegistered); answers the new `member_id`."""
    result = app.register_member(case_id, mapping.member_details_of(body), meta.context(body))
    return mapping.command_answer(result, response)


@router.put("/{member_id}", response_model=schemas.CommandOut)
def correct_member(
    case_id: str,
    member_id: str,
    body: schemas.MemberCorrectionIn,
    meta: Command,
    app: App,
    response: Response,
):
    """Correct a member's details (FamilyMemberDetailsCorrected); identical values record nothing."""
    result = app.correct_member_details(
        case_id,
        member_id,
        mapping.member_details_of(body),
        body.correction_reason,
        meta.context(body),
    )
    return mapping.command_answer(result, response)


@router.post("/{member_id}/arrival", response_model=schemas.CommandOut)
def record_arrival(
    case_id: str,
    member_id: str,
    body: schemas.ArrivalIn,
    meta: Command,
    app: App,
    response: Response,
):
    """The member entered the Netherlands (FamilyMemberArrived), or a correction of that date."""
    result = app.record_arrival(
        case_id, member_id, body.arrived_on, body.correction_reason, meta.context(body)
    )
    return mapping.command_answer(result, response)


@router.post("/{member_id}/application", response_model=schemas.CommandOut)
def submit_application(
    case_id: str,
    member_id: str,
    body: schemas.ApplicationIn,
    meta: Command,
    app: App,
    response: Response,
):
    """The member applied (ApplicationSubmitted), or a correction of the application."""
    result = app.submit_application(
        case_id,
        member_id,
        body.submitted_on,
        body.channel,
        body.correction_reason,
        meta.context(body),
    )
    return mapping.command_answer(result, response)


@router.post("/{member_id}/documents", response_model=schemas.CommandOut)
def receive_document(
    case_id: str,
    member_id: str,
    body: schemas.DocumentIn,
    meta: Command,
    app: App,
    response: Response,
):
    """A document was received (DocumentReceived); every POST records a new document."""
    result = app.receive_document(
        case_id, member_id, body.received_on, body.kind, body.official, meta.context(body)
    )
    return mapping.command_answer(result, response)


@router.post("/{member_id}/assessments", response_model=schemas.CommandOut)
def record_assessment(
    case_id: str,
    member_id: str,
    body: schemas.AssessmentIn,
    meta: Command,
    app: App,
    response: Response,
):
    """A caseworker's finding on a criterion (AssessmentRecorded)."""
    result = app.record_assessment(
        case_id,
        member_id,
        body.assessed_on,
        body.criterion,
        body.outcome,
        body.note,
        meta.context(body),
    )
    return mapping.command_answer(result, response)


@router.post("/{member_id}/decision", response_model=schemas.CommandOut)
def take_decision(
    case_id: str,
    member_id: str,
    body: schemas.DecisionIn,
    meta: Command,
    app: App,
    response: Response,
):
    """The decision on the application (DecisionTaken); a grant needs an eligible member."""
    result = app.take_decision(
        case_id,
        member_id,
        body.decided_on,
        body.outcome,
        [str(g) for g in body.grounds],
        meta.context(body),
    )
    return mapping.command_answer(result, response)


@router.post("/{member_id}/permit", response_model=schemas.CommandOut)
def issue_permit(
    case_id: str,
    member_id: str,
    body: schemas.PermitIn,
    meta: Command,
    app: App,
    response: Response,
):
    """The dependent permit was issued (PermitIssued)."""
    result = app.issue_permit(
        case_id, member_id, body.issued_on, body.valid_from, meta.context(body)
    )
    return mapping.command_answer(result, response)


@router.post("/{member_id}/withdrawal", response_model=schemas.CommandOut)
def withdraw(
    case_id: str,
    member_id: str,
    body: schemas.WithdrawalIn,
    meta: Command,
    app: App,
    response: Response,
):
    """The member no longer comes (ApplicationWithdrawn); once."""
    result = app.withdraw(case_id, member_id, body.withdrawn_on, body.reason, meta.context(body))
    return mapping.command_answer(result, response)


@router.post("/{member_id}/decision-period-extension", response_model=schemas.CommandOut)
def extend_decision_period(
    case_id: str,
    member_id: str,
    body: schemas.ExtensionIn,
    meta: Command,
    app: App,
    response: Response,
):
    """The decision term is extended to 6 months (DecisionPeriodExtended); once per application."""
    result = app.extend_decision_period(
        case_id, member_id, body.extended_on, body.reason, meta.context(body)
    )
    return mapping.command_answer(result, response)
