"""HTTP bodies -> commands and values; application answers -> HTTP shapes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from typing import Any, Protocol, TypeVar

from fastapi import Response
from pydantic import BaseModel

from application.commands import Command
from application.projections import CaseListPage, Caseload, PageKey
from application.results import (
    CaseDeadlineAnswer,
    CaseEligibilityAnswer,
    CaseRecord,
    CommandResult,
    HistoryEntry,
    ReportAnswer,
)
from domain.facts import Decision, MemberDetails, MemberFacts, Permit, Sponsor
from infrastructure.api import schemas

C = TypeVar("C", bound=Command)
Shape = TypeVar("Shape", bound=BaseModel)


class Versioned(Protocol):
    @property
    def version(self) -> int: ...


A = TypeVar("A", bound=Versioned)


def etag(version: int) -> str:
    return f'"{version}"'


def versioned(answer: A, response: Response, shape: Callable[[A], Shape]) -> Shape:
    """`answer` in its HTTP `shape`, with the case version it is at as the response's ETag."""
    response.headers["ETag"] = etag(answer.version)
    return shape(answer)


def command_answer(result: CommandResult, response: Response) -> schemas.CommandOut:
    return versioned(result, response, _command_out)


def _command_out(result: CommandResult) -> schemas.CommandOut:
    if result.member_id is None:
        return schemas.CommandOut(case_id=result.case_id, version=result.version)
    return schemas.MemberCreatedOut(**result.as_dict())


def _named_in(value_type: type[Any], body: BaseModel) -> dict[str, Any]:
    """The body's values for the fields of the dataclass `value_type` the body has, by name."""
    held = type(body).model_fields
    return {f.name: getattr(body, f.name) for f in fields(value_type) if f.name in held}


def command_of(command: type[C], body: BaseModel, **given: Any) -> C:
    """The `command` with the `given` values (the path's ids, values the body holds in another
    shape) and, for every other field, the body's value of the same name."""
    return command(**{**_named_in(command, body), **given})


def sponsor_of(body: schemas.SponsorIn) -> Sponsor:
    return Sponsor(**_named_in(Sponsor, body))


def member_details_of(body: schemas.MemberIn) -> MemberDetails:
    return MemberDetails(
        name=body.name,
        born_on=body.born_on,
        relationship=body.relationship.value,
        mentioned_in_asylum_procedure=body.mentioned_in_asylum_procedure,
        family_bond_abroad=body.family_bond_abroad,
        v_number=body.v_number,
        marital_status=_value(body.marital_status),
        child_of=_value(body.child_of),
        partner_member_id=body.partner_member_id,
        child_kind=_value(body.child_kind),
        parent_kind=_value(body.parent_kind),
    )


def _value(choice: object) -> str | None:
    return None if choice is None else str(choice)


def _member_out(member: MemberFacts, ground_not_supported: tuple[str, ...]) -> schemas.MemberOut:
    return schemas.MemberOut(
        member_id=member.member_id,
        **vars(member.details),
        arrived_on=member.arrived_on,
        application=vars(member.application) if member.application else None,
        documents=[vars(doc) for doc in member.documents],
        assessments=[vars(a) for a in member.assessments],  # the shape leaves out the sequence
        decision=_decision_out(member.decision, ground_not_supported) if member.decision else None,
        permit=_permit_out(member.permit) if member.permit else None,
        withdrawal=vars(member.withdrawal) if member.withdrawal else None,
        decision_period_extension=vars(member.extension) if member.extension else None,
    )


def _decision_out(decision: Decision, ground_not_supported: tuple[str, ...]) -> schemas.DecisionOut:
    return schemas.DecisionOut(**vars(decision), ground_not_supported=list(ground_not_supported))


def _permit_out(permit: Permit) -> schemas.PermitOut:
    return schemas.PermitOut(
        issued_on=permit.issued_on,
        valid_from=permit.valid_from,
        valid_until=permit.valid_until,
        permanent_residence_from=permit.permanent_residence_from,
    )


def case_out(record: CaseRecord) -> schemas.CaseOut:
    facts = record.facts
    return schemas.CaseOut(
        case_id=facts.case_id,
        version=record.version,
        as_of=record.as_of,
        opened_at=record.opened_at,
        modified_at=record.modified_at,
        sponsor=vars(facts.sponsor),
        sponsor_permit=vars(facts.grant) if facts.grant else None,
        members=[
            _member_out(m, record.grounds_not_supported.get(m.member_id, ())) for m in facts.members
        ],
    )


def deadline_out(answer: CaseDeadlineAnswer) -> schemas.DeadlineOut:
    deadline, term = answer.deadline, answer.deadline.term
    return schemas.DeadlineOut(
        case_id=answer.case_id,
        as_of=answer.as_of,
        status=deadline.status,
        term_starts_on=term.starts_on if term else None,
        nominal_ends_on=term.nominal_ends_on if term else None,
        term_ends_on=term.ends_on if term else None,
        days_left=deadline.days_left,
        explanation=deadline.explanation,
        members=[vars(m) for m in deadline.members],
    )


def eligibility_out(answer: CaseEligibilityAnswer) -> schemas.EligibilityOut:
    return schemas.EligibilityOut(
        case_id=answer.case_id,
        as_of=answer.as_of,
        members=[
            schemas.MemberEligibilityOut(
                member_id=m.member_id,
                overall=m.overall,
                route=m.route,
                policy=m.policy,
                rules=[
                    schemas.RuleOut(id=r.id, outcome=r.outcome, reason=r.reason) for r in m.rules
                ],
                missing_documents=list(m.missing_documents),
            )
            for m in answer.members
        ],
    )


def history_out(entries: list[HistoryEntry]) -> list[schemas.HistoryEntryOut]:
    return [schemas.HistoryEntryOut(**vars(e)) for e in entries]


def _report_out(shape: type[Shape], answer: ReportAnswer[Any], **report: Any) -> Shape:
    """A report in `shape`: the business date it is as of, the instant it is known at, and
    `report`."""
    return shape(as_of=answer.as_of, known_at=answer.known_at, **report)


def page_key(cursor: str | None) -> PageKey | None:
    """The page key of a cursor (`after`, of the shape schemas.CURSOR_PATTERN states): the case's
    opening instant and its id, as `next_after` gave them."""
    if cursor is None:
        return None
    opened_at, case_id = cursor.split("~")
    return opened_at, case_id


def case_list_out(answer: ReportAnswer[CaseListPage]) -> schemas.CaseListOut:
    return _page_out(schemas.CaseListOut, answer)


def deadline_report_out(answer: ReportAnswer[CaseListPage]) -> schemas.DeadlineReportOut:
    return _page_out(schemas.DeadlineReportOut, answer)


Page = TypeVar("Page", schemas.CaseListOut, schemas.DeadlineReportOut)


def _page_out(shape: type[Page], answer: ReportAnswer[CaseListPage]) -> Page:
    """A page of cases in `shape`, which keeps the fields of each case it has (the deadline
    report has fewer than the listing)."""
    listing = answer.report
    cases = [vars(case) for case in listing.cases]
    after = None if listing.next_after is None else "~".join(listing.next_after)
    return _report_out(
        shape, answer, counts=listing.counts, cases=cases, next=listing.next_page, next_after=after
    )


def caseload_out(answer: ReportAnswer[Caseload]) -> schemas.CaseloadOut:
    caseload = answer.report
    return _report_out(
        schemas.CaseloadOut,
        answer,
        members_per_stage=caseload.stages,
        applications=caseload.applications,
        overdue_decisions=caseload.overdue_decisions,
        permits=caseload.permits,
    )
