"""The HTTP shapes of API.md as pydantic models: strict input, documented output.

Input models forbid unknown fields (a misspelt field is a 422, never silently ignored), take dates
only as `YYYY-MM-DD` strings, booleans only as JSON booleans, and bound every string's length.
They also run the domain's input checks that need nothing recorded (plausible dates): those errors
keep the domain error's `code` as their type, so the problem names the reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    ValidationError,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from domain.errors import InvalidInput
from domain.plausibility import (
    check_arrived_by_asylum_application,
    check_plausible_birth_date,
    check_plausible_date,
)
from domain.typed_text import UNTYPED, check_not_blank, check_typed_text
from domain.vocabulary import (
    ApplicationTimeliness,
    AssessmentOutcome,
    Channel,
    ChildKind,
    ChildOf,
    Criterion,
    DeadlineStatus,
    DecisionOutcome,
    DocumentKind,
    MaritalStatus,
    Outcome,
    Overall,
    ParentKind,
    PermitKind,
    Relationship,
    Route,
    RuleId,
)

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _date_text_only(value: Any) -> Any:
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise ValueError("a date is written YYYY-MM-DD")
    return value


_RFC3339_INSTANT = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})"
)


def _instant_text_only(value: Any) -> Any:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _RFC3339_INSTANT.fullmatch(value):
        raise ValueError(
            "an instant is written in RFC 3339 with a time zone, e.g. 2026-03-01T09:30:00Z "
            "(encode '+' as %2B in a URL)"
        )
    return value


def _input_error(error: InvalidInput) -> PydanticCustomError:
    """A domain input check's error as a pydantic one whose type is the domain's `code` (so that
    problems.py answers with that problem type)."""
    return PydanticCustomError(error.code, "{message}", {"message": error.message})


def _domain_check(check: Callable[[Any], None]) -> AfterValidator:
    def validate(value: Any) -> Any:
        try:
            check(value)
        except InvalidInput as error:
            raise _input_error(error) from None
        return value

    return AfterValidator(validate)


IsoDate = Annotated[date, BeforeValidator(_date_text_only)]
# DOMAIN.md "Settled questions": dates must be plausible (422). Queries (`as_of`) take any IsoDate.
BirthDate = Annotated[IsoDate, _domain_check(check_plausible_birth_date)]
BusinessDate = Annotated[IsoDate, _domain_check(check_plausible_date)]


def _representable_in_utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("the instant is out of range") from None


IsoInstant = Annotated[
    AwareDatetime, BeforeValidator(_instant_text_only), AfterValidator(_representable_in_utc)
]


# Every text of this shape is a place in the listing's order (the document states it exactly).
CURSOR_PATTERN = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z~[0-9A-Za-z-]{1,64}$"
)
NEXT_AFTER = (
    "Cursor of the next page (pass it as `after`), or null on the last page: a page found by "
    "its cursor costs the same anywhere in the listing"
)


def _on_text(check: Callable[[str], None]) -> BeforeValidator:
    """A domain check of typed text, run on the text as sent (before white space is stripped, so
    that a control character at either end is refused, not silently stripped)."""

    def validate(value: Any) -> Any:
        if isinstance(value, str):
            try:
                check(value)
            except InvalidInput as error:
                raise _input_error(error) from None
        return value  # not a string: the strict str type refuses it

    return BeforeValidator(validate)


def _raw_length_at_most(limit: int) -> BeforeValidator:
    """The length limit on the text as sent, before white space is stripped (as the document
    states it: a generated client must not find text the document refuses accepted)."""

    def validate(value: Any) -> Any:
        if isinstance(value, str) and len(value) > limit:
            raise PydanticCustomError(
                "string_too_long",
                "String should have at most {max_length} characters",
                {"max_length": limit},
            )
        return value

    return BeforeValidator(validate)


def _character_class(ranges: Iterable[tuple[int, int]]) -> str:
    return "".join(f"\\u{lo:04x}" + (f"-\\u{hi:04x}" if hi > lo else "") for lo, hi in ranges)


# The document states the typed-text checks as patterns: no character a person does not type,
# and (names, reasons) one that is not white space, as str.strip() sees it (its other white
# space characters are control characters already).
_UNTYPED = _character_class(r for _, ranges in UNTYPED for r in ranges)
_TYPED_SPACE = " \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
TYPED_TEXT_PATTERN = f"^[^{_UNTYPED}]*$"
NOT_BLANK_TYPED_TEXT_PATTERN = f"^[^{_UNTYPED}]*[^{_UNTYPED}{_TYPED_SPACE}][^{_UNTYPED}]*$"


def _documented_pattern(pattern: str) -> Any:
    """The pattern in the document only: the checks above enforce it, each with its own reason."""
    return Field(json_schema_extra={"pattern": pattern})


# DOMAIN.md "Settled questions": names, notes and reasons are text a person typed (422).
# Validators of one field run last-declared first: characters, then blankness, then the length.
Name = Annotated[
    str,
    StringConstraints(strict=True, strip_whitespace=True, min_length=1, max_length=200),
    _raw_length_at_most(200),
    _on_text(check_not_blank),
    _on_text(check_typed_text),
    _documented_pattern(NOT_BLANK_TYPED_TEXT_PATTERN),
]
Text = Annotated[
    str,
    StringConstraints(strict=True, max_length=4000),
    _on_text(check_typed_text),
    _documented_pattern(TYPED_TEXT_PATTERN),
]
Reason = Annotated[
    str,
    StringConstraints(strict=True, strip_whitespace=True, min_length=1, max_length=4000),
    _raw_length_at_most(4000),
    _on_text(check_not_blank),
    _on_text(check_typed_text),
    _documented_pattern(NOT_BLANK_TYPED_TEXT_PATTERN),
]
VNumber = Annotated[str, StringConstraints(strict=True, pattern=r"^[0-9]{10}$")]
MemberId = Annotated[
    str,
    StringConstraints(strict=True, min_length=1, max_length=100),
    _on_text(check_typed_text),
    _documented_pattern(TYPED_TEXT_PATTERN),
]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SponsorIn(Input):
    v_number: VNumber = Field(description="The sponsor's 10-digit IND V-number")
    name: Name
    born_on: BirthDate = Field(description="On or after 1900-01-01")
    asylum_application_signed_on: BusinessDate
    arrived_on: BusinessDate = Field(
        description="The date the sponsor arrived in the Netherlands: on or before "
        "asylum_application_signed_on"
    )
    unaccompanied_minor: StrictBool = Field(description="The sponsor travelled without parents")

    @model_validator(mode="after")
    def _arrived_by_asylum_application(self) -> Self:
        try:
            check_arrived_by_asylum_application(self.arrived_on, self.asylum_application_signed_on)
        except InvalidInput as error:
            detail = InitErrorDetails(
                type=_input_error(error), loc=("arrived_on",), input=self.arrived_on.isoformat()
            )
            raise ValidationError.from_exception_data(type(self).__name__, [detail]) from None
        return self


class OpenCaseIn(Input):
    sponsor: SponsorIn


class SponsorCorrectionIn(SponsorIn):
    correction_reason: Reason | None = None


class SponsorPermitIn(Input):
    granted_on: BusinessDate
    permit_kind: PermitKind
    correction_reason: Reason | None = Field(
        None, description="Required when the grant is already recorded with other values"
    )


class MemberIn(Input):
    name: Name
    born_on: BirthDate = Field(description="On or after 1900-01-01")
    v_number: VNumber | None = None
    relationship: Relationship
    marital_status: MaritalStatus | None = Field(None, description="Partners only")
    child_of: ChildOf | None = Field(None, description="Children only")
    partner_member_id: MemberId | None = Field(
        None, description="Children of a partner member: that partner's member_id"
    )
    child_kind: ChildKind | None = Field(None, description="Children only")
    parent_kind: ParentKind | None = Field(None, description="Parents only")
    mentioned_in_asylum_procedure: StrictBool
    family_bond_abroad: StrictBool


class MemberCorrectionIn(MemberIn):
    correction_reason: Reason | None = None


class ArrivalIn(Input):
    arrived_on: BusinessDate
    correction_reason: Reason | None = None


class ApplicationIn(Input):
    submitted_on: BusinessDate
    channel: Channel
    correction_reason: Reason | None = None


class DocumentIn(Input):
    received_on: BusinessDate
    kind: DocumentKind
    official: StrictBool


class AssessmentIn(Input):
    assessed_on: BusinessDate
    criterion: Criterion
    outcome: AssessmentOutcome
    note: Text = ""


class DecisionIn(Input):
    decided_on: BusinessDate
    outcome: DecisionOutcome
    grounds: list[RuleId] = Field(
        default_factory=list, max_length=len(RuleId), description="Rule ids; required when refused"
    )


class PermitIn(Input):
    issued_on: BusinessDate
    valid_from: BusinessDate = Field(description="May precede issued_on; not after today")


class WithdrawalIn(Input):
    withdrawn_on: BusinessDate
    reason: Reason


class ExtensionIn(Input):
    extended_on: BusinessDate
    reason: Reason


# --- answers ------------------------------------------------------------------------------------


class CommandOut(BaseModel):
    """`{"case_id", "version"}`: the case a command recorded in, at its version after it (API.md);
    the version is also the answer's `ETag`."""

    case_id: str
    version: int


class MemberCreatedOut(CommandOut):
    """A registration's answer: the case, its version and the new member's `member_id`."""

    member_id: str


class SponsorOut(BaseModel):
    v_number: str
    name: str
    born_on: date
    asylum_application_signed_on: date
    arrived_on: date
    unaccompanied_minor: bool


class GrantOut(BaseModel):
    granted_on: date
    permit_kind: PermitKind


class ApplicationOut(BaseModel):
    submitted_on: date
    channel: Channel


class DocumentOut(BaseModel):
    document_id: str
    received_on: date
    kind: DocumentKind
    official: bool


class AssessmentOut(BaseModel):
    assessed_on: date
    criterion: Criterion
    outcome: AssessmentOutcome
    note: str


GROUND_NOT_SUPPORTED = (
    "The grounds of a refusal whose rule was `met` on `decided_on` (evaluated with the facts "
    "dated up to then, as recorded now or at `known_at`): the refusal was accepted, since the "
    "caseworker may know more than the record, but the record does not support these grounds "
    "(DOMAIN.md, Settled questions). Empty when every ground is supported, and for a grant."
)


class DecisionOut(BaseModel):
    decided_on: date
    outcome: DecisionOutcome
    grounds: list[RuleId] = Field(description="Rule ids the refusal rests on")
    ground_not_supported: list[RuleId] = Field(description=GROUND_NOT_SUPPORTED)


class PermitOut(BaseModel):
    issued_on: date
    valid_from: date
    valid_until: date = Field(description="valid_from + 5 years (29 February -> 28 February)")
    permanent_residence_from: date = Field(
        description="From when permanent residence and Dutch citizenship can be applied for"
    )


class WithdrawalOut(BaseModel):
    withdrawn_on: date
    reason: str


class ExtensionOut(BaseModel):
    extended_on: date
    reason: str


class MemberOut(BaseModel):
    member_id: str
    name: str
    born_on: date
    v_number: str | None
    relationship: Relationship
    marital_status: MaritalStatus | None
    child_of: ChildOf | None
    partner_member_id: str | None
    child_kind: ChildKind | None
    parent_kind: ParentKind | None
    mentioned_in_asylum_procedure: bool
    family_bond_abroad: bool
    arrived_on: date | None
    application: ApplicationOut | None
    documents: list[DocumentOut]
    assessments: list[AssessmentOut]
    decision: DecisionOut | None
    permit: PermitOut | None
    withdrawal: WithdrawalOut | None
    decision_period_extension: ExtensionOut | None


class CaseOut(BaseModel):
    case_id: str
    version: int
    as_of: date = Field(description="The business date the facts shown counted on")
    opened_at: datetime
    modified_at: datetime
    sponsor: SponsorOut
    sponsor_permit: GrantOut | None
    members: list[MemberOut]


class MemberDeadlineOut(BaseModel):
    member_id: str
    application: ApplicationTimeliness
    submitted_on: date | None
    decision_due_on: date | None
    overdue: bool


class DeadlineOut(BaseModel):
    case_id: str
    as_of: date
    status: DeadlineStatus
    term_starts_on: date | None
    nominal_ends_on: date | None
    term_ends_on: date | None
    days_left: int | None
    explanation: str = Field(description="The term in words: grant, nominal end, any roll-over")
    members: list[MemberDeadlineOut]


class RuleOut(BaseModel):
    id: RuleId
    outcome: Outcome
    reason: str


class MemberEligibilityOut(BaseModel):
    member_id: str
    overall: Overall
    route: Route
    policy: str
    rules: list[RuleOut]
    missing_documents: list[DocumentKind]


class EligibilityOut(BaseModel):
    case_id: str
    as_of: date
    members: list[MemberEligibilityOut]


class ChangesOut(BaseModel):
    old: dict[str, Any] = Field(description="The corrected fields' values before (oud)")
    new: dict[str, Any] = Field(description="The corrected fields' values after (nieuw)")


class HistoryEntryOut(BaseModel):
    version: int
    event: str
    recorded_at: datetime
    actor: str
    data: dict[str, Any]
    changes: ChangesOut | None = Field(None, description="Corrections: what changed (wijzigingen)")
    reason: str | None = Field(None, description="Corrections: the correction_reason (toelichting)")
    ground_not_supported: list[RuleId] | None = Field(
        None,
        description=f"DecisionTaken only (null for other events, and in an erased case). "
        f"{GROUND_NOT_SUPPORTED}",
    )
    erased: list[str] | None = Field(
        None,
        description="An erased case only: the personal fields of `data` whose values were "
        "erased (they are null in `data`, and left out of `changes`)",
    )


class CaseListingOut(BaseModel):
    case_id: str
    sponsor_name: str | None = Field(description="null once the case was erased")
    status: DeadlineStatus
    granted_on: date | None
    term_ends_on: date | None
    days_left: int | None


class StatusCountsOut(BaseModel):
    awaiting_grant: int
    open: int
    expired: int


class CaseListOut(BaseModel):
    as_of: date
    known_at: datetime | None
    counts: StatusCountsOut = Field(description="Every case known at known_at, unfiltered")
    cases: list[CaseListingOut]
    next: int | None = Field(description="The next page number, or null on the last page")
    next_after: str | None = Field(description=NEXT_AFTER)


class DeadlineReportCaseOut(BaseModel):
    case_id: str
    status: DeadlineStatus
    term_ends_on: date | None
    days_left: int | None


class DeadlineReportOut(BaseModel):
    as_of: date
    known_at: datetime | None
    counts: StatusCountsOut
    cases: list[DeadlineReportCaseOut]
    next: int | None
    next_after: str | None = Field(description=NEXT_AFTER)


class StagesOut(BaseModel):
    registered: int
    applied: int
    granted: int
    refused: int
    withdrawn: int
    permit_issued: int


class ApplicationsOut(BaseModel):
    timely: int
    late: int


class PermitsOut(BaseModel):
    issued: int
    within_target: int = Field(description="Issued at most 4 days after the granted decision")
    over_target: int


class CaseloadOut(BaseModel):
    as_of: date
    known_at: datetime | None
    members_per_stage: StagesOut
    applications: ApplicationsOut
    overdue_decisions: int
    permits: PermitsOut
