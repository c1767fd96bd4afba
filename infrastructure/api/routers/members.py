"""The family-member resource: registration, corrections and every fact of a member's procedure.

Each route builds its command from the path and the body and hands it to the application. Most
facts of a member's procedure come in a body whose fields are the command's values, named alike:
those routes are one table (`MEMBER_FACTS`), each row made a route by `_add_member_fact_route`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter

from application import commands
from infrastructure.api import mapping, schemas
from infrastructure.api.dependencies import Record
from infrastructure.api.problems import COMMAND_PROBLEMS, command_answered
from infrastructure.api.routers.table import TableRoute
from infrastructure.api.routing import GuardedRoute, add_options_routes

router = APIRouter(
    prefix="/cases/{case_id}/members",
    tags=["members"],
    responses=COMMAND_PROBLEMS,
    route_class=GuardedRoute,
)


@router.post(
    "", status_code=201, response_model=schemas.MemberCreatedOut, responses=command_answered(201)
)
def register_member(case_id: str, body: schemas.MemberIn, record: Record):
    """Register a family member (FamilyMemberRegistered); answers the new `member_id`."""
    command = commands.RegisterMember(case_id, mapping.member_details_of(body))
    return record(command)


@router.put("/{member_id}", response_model=schemas.CommandOut, responses=command_answered())
def correct_member(case_id: str, member_id: str, body: schemas.MemberCorrectionIn, record: Record):
    """Correct a member's details (FamilyMemberDetailsCorrected); identical values record nothing."""
    details = mapping.member_details_of(body)
    command = commands.CorrectMemberDetails(
        case_id, member_id, details, correction_reason=body.correction_reason
    )
    return record(command)


@dataclass(frozen=True)
class MemberFact(TableRoute):
    """A route that records one fact of a member (POST), with a body of shape `body` whose fields
    are the values of `command` (`reshaped`: those it holds in another shape)."""

    body: type[schemas.Input]
    command: type[commands.MemberCommand]
    reshaped: Callable[[Any], dict[str, Any]] | None = None


def _grounds(body: schemas.DecisionIn) -> dict[str, Any]:
    return {"grounds": tuple(str(g) for g in body.grounds)}


MEMBER_FACTS = (
    MemberFact(
        "/{member_id}/arrival",
        "record_arrival",
        "The member entered the Netherlands (FamilyMemberArrived), or a correction of that date.",
        schemas.ArrivalIn,
        commands.RecordArrival,
    ),
    MemberFact(
        "/{member_id}/application",
        "submit_application",
        "The member applied (ApplicationSubmitted), or a correction of the application.",
        schemas.ApplicationIn,
        commands.SubmitApplication,
    ),
    MemberFact(
        "/{member_id}/documents",
        "receive_document",
        "A document was received (DocumentReceived); every POST records a new document.",
        schemas.DocumentIn,
        commands.ReceiveDocument,
    ),
    MemberFact(
        "/{member_id}/assessments",
        "record_assessment",
        "A caseworker's finding on a criterion (AssessmentRecorded).",
        schemas.AssessmentIn,
        commands.RecordAssessment,
    ),
    MemberFact(
        "/{member_id}/decision",
        "take_decision",
        "The decision on the application (DecisionTaken); a grant needs an eligible member.",
        schemas.DecisionIn,
        commands.TakeDecision,
        reshaped=_grounds,
    ),
    MemberFact(
        "/{member_id}/permit",
        "issue_permit",
        "The dependent permit was issued (PermitIssued).",
        schemas.PermitIn,
        commands.IssuePermit,
    ),
    MemberFact(
        "/{member_id}/withdrawal",
        "withdraw",
        "The member no longer comes (ApplicationWithdrawn); once.",
        schemas.WithdrawalIn,
        commands.Withdraw,
    ),
    MemberFact(
        "/{member_id}/decision-period-extension",
        "extend_decision_period",
        "The decision term is extended to 6 months (DecisionPeriodExtended); once per application.",
        schemas.ExtensionIn,
        commands.ExtendDecisionPeriod,
    ),
)


def _add_member_fact_route(fact: MemberFact) -> None:
    def record_fact(case_id: str, member_id: str, body: schemas.Input, record: Record):
        given = fact.reshaped(body) if fact.reshaped else {}
        command = mapping.command_of(
            fact.command, body, **given, case_id=case_id, member_id=member_id
        )
        return record(command)

    # FastAPI reads the body's shape from the annotation: this route's own.
    record_fact.__annotations__["body"] = fact.body
    fact.add(router, "POST", record_fact, schemas.CommandOut, responses=command_answered())


for _fact in MEMBER_FACTS:
    _add_member_fact_route(_fact)


add_options_routes(router)  # after every route of the module: OPTIONS answers its methods
