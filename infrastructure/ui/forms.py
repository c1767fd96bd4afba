"""The case page's command forms: what each form asks, how its fields become the command the API
would build from the same values, and every refusal in words next to the field or form it is about.

A form's fields arrive as text. They are shaped into the API's input (dates as YYYY-MM-DD, yes/no
as booleans, an empty field as absent) and validated by the API's own input models
(`infrastructure.api.schemas`), so the browser and the API accept and refuse alike; pydantic's
and the domain's reasons are then said in words, per field, with the field's label."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from uuid import uuid4

from pydantic import ValidationError

from application import commands
from application.errors import IdempotencyKeyReused, VersionMismatch
from domain.errors import InvalidInput, MemberNotFound, NareisError
from domain.vocabulary import (
    AssessmentOutcome,
    Channel,
    ChildKind,
    ChildOf,
    Criterion,
    DecisionOutcome,
    DocumentKind,
    MaritalStatus,
    ParentKind,
    PermitKind,
    Relationship,
    RuleId,
)
from infrastructure.api import mapping, schemas
from infrastructure.api.schemas import CaseOut

# Kinds of field, each drawn by its own macro in case_forms.html.
TEXT, DATE, TEXTAREA, SELECT, RADIOS, YES_NO, CHECKBOXES, MEMBER, PARTNER = (
    "text", "date", "textarea", "select", "radios", "yes_no", "checkboxes", "member", "partner"
)  # fmt: skip
CHOOSING = (SELECT, RADIOS, YES_NO, CHECKBOXES, MEMBER, PARTNER)

# Values whose words are not just the value with spaces.
_WORDS = {
    "mvv_abroad": "MVV, applied for abroad",
    "in_netherlands": "In the Netherlands",
    "not_met": "not met",
    "sponsor_and_partner": "the sponsor and the partner",
}


def words_of(value: str) -> str:
    """A value of the domain's lists as a person reads it."""
    return _WORDS.get(value, value.replace("_", " "))


def _choices(values: Any) -> tuple[tuple[str, str], ...]:
    return tuple((str(v), words_of(str(v))) for v in values)


@dataclass(frozen=True)
class Field:
    """One field of a form: `name` as the API names it, its label, and how it is asked."""

    name: str
    label: str
    kind: str = TEXT
    hint: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    optional: bool = False


MEMBER_FIELD = Field("member_id", "Family member", MEMBER)


@dataclass(frozen=True)
class CommandForm:
    """A form of the case page and the command it sends (`build`: from the case id, the member
    id and the validated input)."""

    name: str
    title: str
    path: str
    done: str
    done_words: str
    body: type[schemas.Input]
    fields: tuple[Field, ...]
    build: Callable[[str, str, Any], commands.Command]

    @property
    def about_a_member(self) -> bool:
        return self.fields[0].kind == MEMBER

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)


def _member_fact(command: type[commands.MemberCommand], **reshaped: Callable[[Any], Any]):
    """Build a member command from the input's values of the same names (as the API does)."""

    def build(case_id: str, member_id: str, body: Any) -> commands.Command:
        given = {name: shape(body) for name, shape in reshaped.items()}
        return mapping.command_of(command, body, **given, case_id=case_id, member_id=member_id)

    return build


def _register(case_id: str, _member_id: str, body: Any) -> commands.Command:
    return commands.RegisterMember(case_id, mapping.member_details_of(body))


DATE_HINT = "For example 27 November 2026."
_PARTNERS_ONLY, _CHILDREN_ONLY = "Partners only.", "Children only."

REGISTER_MEMBER = CommandForm(
    "register-member", "Register a family member", "members", "member-registered",
    "{name} is registered as a family member.", schemas.MemberIn,
    (
        Field("name", "Full name"),
        Field("born_on", "Date of birth", DATE, DATE_HINT),
        Field("v_number", "V-number", hint="10 digits, if the member has one.", optional=True),
        Field("relationship", "Relationship to the sponsor", RADIOS,
              choices=_choices(Relationship)),
        Field("marital_status", "Marital status", SELECT, _PARTNERS_ONLY,
              _choices(MaritalStatus), optional=True),
        Field("child_of", "Child of", SELECT, _CHILDREN_ONLY, _choices(ChildOf), optional=True),
        Field("partner_member_id", "Parent who is the partner", PARTNER,
              "Children of the partner only: the partner registered on this case.",
              optional=True),
        Field("child_kind", "Kind of child", SELECT, _CHILDREN_ONLY, _choices(ChildKind),
              optional=True),
        Field("parent_kind", "Kind of parent", SELECT, "Parents only.", _choices(ParentKind),
              optional=True),
        Field("mentioned_in_asylum_procedure", "Mentioned in the sponsor's asylum procedure",
              YES_NO),
        Field("family_bond_abroad", "Family bond already existed abroad", YES_NO),
    ),
    _register,
)  # fmt: skip

RECORD_APPLICATION = CommandForm(
    "record-application", "Record an application", "application", "application-recorded",
    "Application recorded for {name}.", schemas.ApplicationIn,
    (
        MEMBER_FIELD,
        Field("submitted_on", "Submitted on", DATE, DATE_HINT),
        Field("channel", "Applied", RADIOS, choices=_choices(Channel)),
        Field("correction_reason", "Reason for the correction", TEXTAREA,
              "Only when you correct an application already recorded.", optional=True),
    ),
    _member_fact(commands.SubmitApplication),
)  # fmt: skip

RECEIVE_DOCUMENT = CommandForm(
    "receive-document", "Record a document", "documents", "document-received",
    "Document recorded for {name}.", schemas.DocumentIn,
    (
        MEMBER_FIELD,
        Field("received_on", "Received on", DATE, DATE_HINT),
        Field("kind", "Kind of document", SELECT, choices=_choices(DocumentKind)),
        Field("official", "Official document", YES_NO,
              "Yes for a document issued by an authority."),
    ),
    _member_fact(commands.ReceiveDocument),
)  # fmt: skip

RECORD_ASSESSMENT = CommandForm(
    "record-assessment", "Record an assessment", "assessments", "assessment-recorded",
    "Assessment recorded for {name}.", schemas.AssessmentIn,
    (
        MEMBER_FIELD,
        Field("assessed_on", "Assessed on", DATE, DATE_HINT),
        Field("criterion", "Criterion", SELECT, choices=_choices(Criterion)),
        Field("outcome", "Outcome", RADIOS, choices=_choices(AssessmentOutcome)),
        Field("note", "Note", TEXTAREA, optional=True),
    ),
    _member_fact(commands.RecordAssessment),
)  # fmt: skip

TAKE_DECISION = CommandForm(
    "take-decision", "Record a decision", "decision", "decision-taken",
    "Decision recorded for {name}.", schemas.DecisionIn,
    (
        MEMBER_FIELD,
        Field("decided_on", "Decided on", DATE, DATE_HINT),
        Field("outcome", "Decision", RADIOS, choices=_choices(DecisionOutcome)),
        Field("grounds", "Grounds of a refusal", CHECKBOXES,
              "A refusal names the rules it rests on.", _choices(RuleId), optional=True),
    ),
    _member_fact(commands.TakeDecision, grounds=lambda body: tuple(str(g) for g in body.grounds)),
)  # fmt: skip

ISSUE_PERMIT = CommandForm(
    "issue-permit", "Record a permit", "permit", "permit-issued",
    "Permit recorded for {name}.", schemas.PermitIn,
    (
        MEMBER_FIELD,
        Field("issued_on", "Issued on", DATE, DATE_HINT),
        Field("valid_from", "Valid from", DATE, "May be before the day it was issued."),
    ),
    _member_fact(commands.IssuePermit),
)  # fmt: skip

EXTEND_DECISION_PERIOD = CommandForm(
    "extend-decision-period", "Extend the decision period", "decision-period-extension",
    "decision-period-extended", "Decision period extended to 6 months for {name}.",
    schemas.ExtensionIn,
    (
        MEMBER_FIELD,
        Field("extended_on", "Extended on", DATE, DATE_HINT),
        Field("reason", "Reason", TEXTAREA, "Why the decision needs more time; once per application."),
    ),
    _member_fact(commands.ExtendDecisionPeriod),
)  # fmt: skip

RECORD_ARRIVAL = CommandForm(
    "record-arrival", "Record an arrival in the Netherlands", "arrival", "arrival-recorded",
    "Arrival recorded for {name}.", schemas.ArrivalIn,
    (
        MEMBER_FIELD,
        Field("arrived_on", "Arrived on", DATE, DATE_HINT),
        Field("correction_reason", "Reason for the correction", TEXTAREA,
              "Only when you correct an arrival already recorded.", optional=True),
    ),
    _member_fact(commands.RecordArrival),
)  # fmt: skip

WITHDRAW = CommandForm(
    "withdraw", "Record a withdrawal", "withdrawal", "withdrawn",
    "Withdrawal recorded for {name}.", schemas.WithdrawalIn,
    (
        MEMBER_FIELD,
        Field("withdrawn_on", "Withdrawn on", DATE, DATE_HINT),
        Field("reason", "Reason", TEXTAREA, "Why the family member no longer comes."),
    ),
    _member_fact(commands.Withdraw),
)  # fmt: skip

def _grant(case_id: str, _member_id: str, body: Any) -> commands.Command:
    return mapping.command_of(commands.GrantSponsorPermit, body, case_id=case_id)


RECORD_GRANT = CommandForm(
    "record-grant", "Record the sponsor's grant", "sponsor-permit", "grant-recorded",
    "The sponsor's grant is recorded.", schemas.SponsorPermitIn,
    (
        Field("granted_on", "Granted on", DATE, "The day the sponsor's asylum permit was granted."),
        Field("permit_kind", "Kind of permit", RADIOS, choices=_choices(PermitKind)),
        Field("correction_reason", "Reason for the correction", TEXTAREA,
              "Only when you correct a grant already recorded.", optional=True),
    ),
    _grant,
)  # fmt: skip

# Not a form of a case page: the form of /ui/cases/new, whose command makes the case.
OPEN_CASE = CommandForm(
    "open-case", "Open a case", "", "case-opened", "The case is opened.", schemas.SponsorIn,
    (
        Field("name", "Sponsor's full name"),
        Field("v_number", "V-number", hint="The sponsor's 10-digit IND V-number."),
        Field("born_on", "Date of birth", DATE, DATE_HINT),
        Field("asylum_application_signed_on", "Asylum application signed on", DATE, DATE_HINT),
        Field("arrived_on", "Arrived in the Netherlands on", DATE,
              "On or before the day the asylum application was signed."),
        Field("unaccompanied_minor", "Travelled as an unaccompanied minor", YES_NO),
    ),
    lambda _case_id, _member_id, body: commands.OpenCase(mapping.sponsor_of(body)),
)  # fmt: skip

COMMAND_FORMS = (
    RECORD_GRANT, REGISTER_MEMBER, RECORD_APPLICATION, RECEIVE_DOCUMENT, RECORD_ASSESSMENT, TAKE_DECISION,
    ISSUE_PERMIT, EXTEND_DECISION_PERIOD, RECORD_ARRIVAL, WITHDRAW,
)  # fmt: skip
FORM_BY_DONE = {form.done: form for form in (*COMMAND_FORMS, OPEN_CASE)}


@dataclass
class FormState:
    """What a form shows again after a refusal: the values as typed, the reason per field, and
    the reason that is about the form as a whole."""

    values: dict[str, str | list[str]]
    errors: dict[str, str] = field(default_factory=dict)
    refusal: str | None = None


@dataclass(frozen=True)
class Parsed:
    """A form's fields as the API's validated input, or the reasons it is refused."""

    state: FormState
    member_id: str = ""
    body: Any = None


def typed_values(form: CommandForm, sent: Any) -> dict[str, str | list[str]]:
    """The fields as they were sent (`sent`: the request's form data), to show them again."""
    values: dict[str, str | list[str]] = {}
    for asked in form.fields:
        if asked.kind == CHECKBOXES:
            values[asked.name] = [v for v in sent.getlist(asked.name) if isinstance(v, str)]
        else:
            value = sent.get(asked.name)
            values[asked.name] = value if isinstance(value, str) else ""
    return values


def _input_value(asked: Field, value: str | list[str]) -> Any:
    if asked.kind == YES_NO:
        return {"yes": True, "no": False}.get(str(value), value)
    return value


def parse(form: CommandForm, sent: Any) -> Parsed:
    """The form's fields validated by the API's input model; an empty field counts as absent."""
    state = FormState(typed_values(form, sent))
    member_id = str(state.values.get(MEMBER_FIELD.name, ""))
    shaped = {
        f.name: _input_value(f, state.values[f.name])
        for f in form.fields
        if f.kind != MEMBER and state.values[f.name] not in ("", [])
    }
    body = None
    try:
        body = form.body.model_validate(shaped)
    except ValidationError as error:
        for problem in error.errors():
            _add_error(form, state, _field_name(problem["loc"]), problem)
    if form.about_a_member and not member_id:
        state.errors.setdefault(MEMBER_FIELD.name, "Choose the family member.")
    return Parsed(state, member_id, body if not state.errors else None)


def _field_name(location: tuple[Any, ...]) -> str:
    return str(location[0]) if location else ""


def _add_error(form: CommandForm, state: FormState, name: str, problem: Mapping[str, Any]) -> None:
    asked = form.field(name)
    if asked is None:
        state.refusal = state.refusal or f"{name}: {problem['msg']}"
    else:
        state.errors.setdefault(name, words_for_problem(asked, problem))


def words_for_problem(asked: Field, problem: Mapping[str, Any]) -> str:
    """Pydantic's reason for one field, said with the field's label."""
    kind, label = problem["type"], asked.label
    if kind == "missing":
        return f"Choose {label.lower()}." if asked.kind in CHOOSING else f"Enter {label.lower()}."
    if asked.kind == DATE and not kind.startswith("implausible"):
        return f"Enter {label.lower()} as a date: year-month-day, for example 2026-11-27."
    if asked.kind in CHOOSING:
        return f"Choose {label.lower()} from the list."
    if kind == "string_pattern_mismatch":
        return f"{label}: {asked.hint or 'not in the expected form.'}"
    if kind == "string_too_long":
        return f"{label} is too long: at most {problem['ctx']['max_length']} characters."
    return _sentence(f"{label}: {problem['msg']}")


def _sentence(words: str) -> str:
    return words if words.endswith((".", "?", "!")) else words + "."


def refusal_of(form: CommandForm, sent: Any, error: NareisError) -> tuple[int, FormState]:
    """The status of a refused command and its reason in words, on the field it is about."""
    state = FormState(typed_values(form, sent))
    if isinstance(error, VersionMismatch):
        state.refusal = (
            "Someone recorded something on this case since you opened it (version "
            f"{error.expected}, now {error.actual}). The page now shows the case as it is: "
            "check it, then send again."
        )
        return 412, state
    if isinstance(error, IdempotencyKeyReused):
        state.refusal = (
            "This form was sent before with other values, so nothing was recorded. "
            "Check the values and send it again."
        )
        return 409, state
    if isinstance(error, MemberNotFound):
        state.errors[MEMBER_FIELD.name] = "Choose a family member of this case."
        return 422, state
    if isinstance(error, InvalidInput):
        _on_field_or_form(form, state, error)
        return 422, state
    state.refusal = error.detail
    return 409, state


def _on_field_or_form(form: CommandForm, state: FormState, error: InvalidInput) -> None:
    asked = form.field(error.field)
    if asked is None:
        state.refusal = error.detail
    else:
        state.errors[asked.name] = _sentence(f"{asked.label}: {error.message}")


def done_notice(done: str | None, member_id: str | None, case: CaseOut) -> str | None:
    """The words that say what the last form recorded (the page's `?done=&member=`)."""
    form = FORM_BY_DONE.get(done or "")
    if form is None:
        return None
    names = {member.member_id: member.name for member in case.members}
    return form.done_words.format(name=names.get(member_id or "", "the family member"))


def new_idempotency_key() -> str:
    """A fresh key per rendered form: sending that form twice records once."""
    return uuid4().hex
