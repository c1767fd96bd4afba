"""The domain's errors: what went wrong in the domain (bad input, an unknown case or member, a
command the rules refuse).

`NareisError` is the base of every error Nareis raises on purpose; the application adds its own
(`application/errors.py`: a stale expected version, a reused idempotency key, a conflict). The
HTTP layer maps each branch to a problem+json status in one place
(`infrastructure/api/problems.py`); nothing else decides statuses.
"""

from __future__ import annotations

from datetime import UTC

from domain.erasure import Erasure


class NareisError(Exception):
    """Base of every error Nareis raises on purpose. `code` names the problem type."""

    code = "nareis-error"
    title = "Error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class InvalidInput(NareisError):
    """Bad input: the request does not have the shape of the contract (a missing field, a
    value of the wrong JSON type, a string too long, a body that is not a JSON object). Each more
    specific reason below is its own subclass with its own `code`."""

    code = "invalid-input"
    title = "Invalid input"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class UnknownField(InvalidInput):
    """API.md: unknown fields are bad input (a misspelt field must not be silently ignored)."""

    code = "unknown-field"
    title = "Unknown field"


class DuplicateKey(InvalidInput):
    """API.md: a JSON body whose object names a key twice is bad input; no value wins."""

    code = "duplicate-key"
    title = "Duplicate key in a JSON object"


class ValueNotInList(InvalidInput):
    """DOMAIN.md: a value outside the lists (document kind, criterion, relationship, permit kind,
    rule id, ...) is bad input."""

    code = "value-not-in-list"
    title = "Value outside the domain's lists"


class RelationshipFieldMismatch(InvalidInput):
    """DOMAIN.md, FamilyMemberRegistered: each relationship has its own fields; a field of another
    relationship is refused, and so is a missing one the relationship needs."""

    code = "relationship-fields"
    title = "Field does not fit the relationship"


class NotAPartnerMember(InvalidInput):
    """`partner_member_id` must name a partner member of this case."""

    code = "not-a-partner-member"
    title = "Not a partner member of this case"


class RefusalWithoutGrounds(InvalidInput):
    """DOMAIN.md, DecisionTaken: `grounds` (rule ids) are required when refused."""

    code = "grounds-required"
    title = "A refusal names its grounds"


class ImplausibleDate(InvalidInput):
    """DOMAIN.md "Settled questions": a birth date on or after 1900-01-01 and every other date on
    or after 2001-04-01 (the Vreemdelingenwet 2000 in force)."""

    code = "implausible-date"
    title = "Implausible date"


class ArrivalAfterAsylumApplication(InvalidInput):
    """DOMAIN.md "Settled questions": a sponsor's `arrived_on` after their
    `asylum_application_signed_on` (an asylum application is signed in the Netherlands, so on or
    after the arrival)."""

    code = "arrival-after-asylum-application"
    title = "Sponsor arrived after signing the asylum application"


class ForbiddenCharacter(InvalidInput):
    """DOMAIN.md "Settled questions": names, notes and reasons are text a person typed; control
    characters, bidi controls and lone surrogates are refused."""

    code = "forbidden-character"
    title = "Text holds a character a person does not type"


class BlankText(InvalidInput):
    """DOMAIN.md "Settled questions": a name (or a reason) that is empty or only white space."""

    code = "blank-text"
    title = "Empty or blank text"


class TooManyMembers(InvalidInput):
    """DOMAIN.md "Settled questions": a case holds at most 50 family members (no real family
    reaches it, and it bounds the work of one request)."""

    code = "too-many-members"
    title = "Too many family members"


class NotFound(NareisError):
    code = "not-found"
    title = "Not found"


class CaseNotFound(NotFound):
    code = "case-not-found"
    title = "Case not found"

    def __init__(self, case_id: object) -> None:
        super().__init__(f"There is no case {case_id}.")
        self.case_id = case_id


class MemberNotFound(NotFound):
    code = "member-not-found"
    title = "Family member not found"

    def __init__(self, case_id: object, member_id: str) -> None:
        super().__init__(f"Case {case_id} has no family member {member_id}.")
        self.member_id = member_id


class Gone(NareisError):
    """What was asked for existed, and is gone for good."""

    code = "gone"
    title = "Gone"


class CaseErased(Gone):
    """The case's personal data was erased (`domain/erasure.py`): its views and commands are gone;
    its history keeps the other facts."""

    code = "case-erased"
    title = "Case erased"

    def __init__(self, case_id: object, erasure: Erasure) -> None:
        erased_at = erasure.erased_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
        super().__init__(
            f"The personal data of case {case_id} was erased at {erased_at} by "
            f"{erasure.erased_by} ({erasure.erasure_reason}); only its history remains, "
            "without it."
        )
        self.erasure = erasure


class CommandRefused(NareisError):
    """A command that makes no sense given what the case records (DOMAIN.md); records nothing.
    Never raised itself: each reason is a subclass with its own `code`."""

    code = "command-refused"
    title = "Command refused"


class FutureBusinessDate(CommandRefused):
    """A business date after today (Europe/Amsterdam), a permit's `valid_from` included."""

    code = "future-business-date"
    title = "Business date in the future"


class DateBeforeBirth(CommandRefused):
    code = "date-before-birth"
    title = "Business date before the birth of the person it concerns"


class DateOutOfOrder(CommandRefused):
    """A business date before the fact it depends on. Never raised itself: see the subclasses."""

    code = "date-out-of-order"
    title = "Business date before the fact it depends on"


class DateBeforeApplication(DateOutOfOrder):
    """DOMAIN.md "Settled questions": a decision, extension or withdrawal dated before the member's
    application (also: an application corrected to after one of them)."""

    code = "date-before-application"
    title = "Business date before the application"


class PermitBeforeDecision(DateOutOfOrder):
    """DOMAIN.md "Settled questions": a permit dated before its decision."""

    code = "permit-before-decision"
    title = "Permit issued before the decision"


class GrantBeforeAsylumApplication(DateOutOfOrder):
    """DOMAIN.md "Settled questions": a grant dated before the asylum application was signed (also:
    a sponsor-details correction that would put the signing after the recorded grant)."""

    code = "grant-before-asylum-application"
    title = "Grant dated before the asylum application"


class CorrectionWithoutReason(InvalidInput):
    """DOMAIN.md, corrections: re-recording a fact with other values is a correction, and needs a
    `correction_reason`."""

    code = "correction-reason-required"
    title = "A correction needs a reason"


class ApplicationMissing(CommandRefused):
    """A decision or a decision-period extension without an application."""

    code = "application-missing"
    title = "No application"


class AlreadyDecided(CommandRefused):
    """A second decision, or an extension of the decision period after the decision."""

    code = "already-decided"
    title = "Already decided"


class DecisionMissing(CommandRefused):
    """A permit without a granted decision."""

    code = "granted-decision-missing"
    title = "No granted decision"


class AlreadyRecorded(CommandRefused):
    """A fact that may be recorded once. Never raised itself: see the subclasses."""

    code = "already-recorded"
    title = "Already recorded"


class PermitAlreadyIssued(AlreadyRecorded):
    code = "permit-already-issued"
    title = "Permit already issued"


class AlreadyWithdrawn(AlreadyRecorded):
    code = "already-withdrawn"
    title = "Already withdrawn"


class DecisionPeriodAlreadyExtended(AlreadyRecorded):
    code = "decision-period-already-extended"
    title = "Decision period already extended"


class MemberWithdrawn(CommandRefused):
    """DOMAIN.md "Settled questions": a withdrawn member can receive no new application, decision,
    permit or extension."""

    code = "member-withdrawn"
    title = "Family member withdrawn"


class GrantRequiresEligibility(CommandRefused):
    code = "not-eligible"
    title = "Member is not eligible"


class PartnerParentOfChildren(CommandRefused):
    """A partner named as the partner-parent of children cannot be corrected into another
    relationship while those children name them."""

    code = "partner-parent-of-children"
    title = "Partner is named as a parent of children"
