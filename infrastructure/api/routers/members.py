"""The family-member resource: registration, corrections and every fact of a member's procedure.

Each route builds its command from the path and the body and hands it to the application."""

from __future__ import annotations

from fastapi import APIRouter

from application import commands
from infrastructure.api import mapping, schemas
from infrastructure.api.dependencies import Record
from infrastructure.api.problems import COMMAND_PROBLEMS

router = APIRouter(prefix="/cases/{case_id}/members", tags=["members"], responses=COMMAND_PROBLEMS)


@router.post("", status_code=201, response_model=schemas.CommandOut)
def register_member(case_id: str, body: schemas.MemberIn, record: Record):
    """Register a family member (FamilyMemberRegistered); answers the new `member_id`."""
    command = commands.RegisterMember(case_id, mapping.member_details_of(body))
    return record(command)


@router.put("/{member_id}", response_model=schemas.CommandOut)
def correct_member(case_id: str, member_id: str, body: schemas.MemberCorrectionIn, record: Record):
    """Correct a member's details (FamilyMemberDetailsCorrected); identical values record nothing."""
    command = commands.CorrectMemberDetails(
        case_id, member_id, mapping.member_details_of(body), body.correction_reason
    )
    return record(command)


@router.post("/{member_id}/arrival", response_model=schemas.CommandOut)
def record_arrival(case_id: str, member_id: str, body: schemas.ArrivalIn, record: Record):
    """The member entered the Netherlands (FamilyMemberArrived), or a correction of that date."""
    command = commands.RecordArrival(case_id, member_id, body.arrived_on, body.correction_reason)
    return record(command)


@router.post("/{member_id}/application", response_model=schemas.CommandOut)
def submit_application(case_id: str, member_id: str, body: schemas.ApplicationIn, record: Record):
    """The member applied (ApplicationSubmitted), or a correction of the application."""
    command = commands.SubmitApplication(
        case_id, member_id, body.submitted_on, body.channel, body.correction_reason
    )
    return record(command)


@router.post("/{member_id}/documents", response_model=schemas.CommandOut)
def receive_document(case_id: str, member_id: str, body: schemas.DocumentIn, record: Record):
    """A document was received (DocumentReceived); every POST records a new document."""
    command = commands.ReceiveDocument(
        case_id, member_id, body.received_on, body.kind, body.official
    )
    return record(command)


@router.post("/{member_id}/assessments", response_model=schemas.CommandOut)
def record_assessment(case_id: str, member_id: str, body: schemas.AssessmentIn, record: Record):
    """A caseworker's finding on a criterion (AssessmentRecorded)."""
    command = commands.RecordAssessment(
        case_id, member_id, body.assessed_on, body.criterion, body.outcome, body.note
    )
    return record(command)


@router.post("/{member_id}/decision", response_model=schemas.CommandOut)
def take_decision(case_id: str, member_id: str, body: schemas.DecisionIn, record: Record):
    """The decision on the application (DecisionTaken); a grant needs an eligible member."""
    command = commands.TakeDecision(
        case_id, member_id, body.decided_on, body.outcome, tuple(str(g) for g in body.grounds)
    )
    return record(command)


@router.post("/{member_id}/permit", response_model=schemas.CommandOut)
def issue_permit(case_id: str, member_id: str, body: schemas.PermitIn, record: Record):
    """The dependent permit was issued (PermitIssued)."""
    command = commands.IssuePermit(case_id, member_id, body.issued_on, body.valid_from)
    return record(command)


@router.post("/{member_id}/withdrawal", response_model=schemas.CommandOut)
def withdraw(case_id: str, member_id: str, body: schemas.WithdrawalIn, record: Record):
    """The member no longer comes (ApplicationWithdrawn); once."""
    command = commands.Withdraw(case_id, member_id, body.withdrawn_on, body.reason)
    return record(command)


@router.post("/{member_id}/decision-period-extension", response_model=schemas.CommandOut)
def extend_decision_period(case_id: str, member_id: str, body: schemas.ExtensionIn, record: Record):
    """The decision term is extended to 6 months (DecisionPeriodExtended); once per application."""
    command = commands.ExtendDecisionPeriod(case_id, member_id, body.extended_on, body.reason)
    return record(command)
