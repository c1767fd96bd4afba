"""The one error hierarchy of Nareis.

Every refusal the system can give is one of these. The HTTP layer maps each branch to a
problem+json status in one place (`infrastructure/api/problems.py`); nothing else decides statuses.
"""

from __future__ import annotations


class NareisError(Exception):
    """Base of every error Nareis raises on purpose. `code` names the problem type."""

    code = "nareis-error"
    title = "Error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class InvalidInput(NareisError):
    """A value outside the domain's lists, or a combination of fields that cannot be (422)."""

    code = "invalid-input"
    title = "Invalid input"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


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


class CommandRefused(NareisError):
    """A command that makes no sense given what the case records (DOMAIN.md); records nothing."""

    code = "command-refused"
    title = "Command refused"


class FutureBusinessDate(CommandRefused):
    code = "future-business-date"
    title = "Business date in the future"


class DateBeforeBirth(CommandRefused):
    code = "date-before-birth"
    title = "Business date before the birth of the person it concerns"


class DateOutOfOrder(CommandRefused):
    code = "date-out-of-order"
    title = "Business date before the fact it depends on"


class CorrectionWithoutReason(InvalidInput):
    code = "correction-reason-required"
    title = "A correction needs a reason"

    def __init__(self, what: str) -> None:
        super().__init__(
            "correction_reason",
            f"{what} is already recorded with other values; "
            "re-recording it is a correction and needs a correction_reason",
        )


class ApplicationMissing(CommandRefused):
    code = "application-missing"
    title = "No application"


class AlreadyDecided(CommandRefused):
    code = "already-decided"
    title = "Already decided"


class DecisionMissing(CommandRefused):
    code = "granted-decision-missing"
    title = "No granted decision"


class AlreadyRecorded(CommandRefused):
    code = "already-recorded"
    title = "Already recorded"


class MemberWithdrawn(CommandRefused):
    code = "member-withdrawn"
    title = "Family member withdrawn"


class GrantRequiresEligibility(CommandRefused):
    code = "not-eligible"
    title = "Member is not eligible"


class ConcurrencyConflict(NareisError):
    """Another command changed the case between reading and recording it (409)."""

    code = "concurrent-modification"
    title = "Concurrent modification"


class VersionMismatch(NareisError):
    """The caller's expected version (If-Match) is not the case's current version (412)."""

    code = "version-mismatch"
    title = "Precondition failed"

    def __init__(self, expected: int, actual: int) -> None:
        super().__init__(
            f"The case is at version {actual}, not at the expected version {expected}; "
            "nothing was recorded."
        )
        self.expected = expected
        self.actual = actual


class IdempotencyKeyReused(NareisError):
    """The same idempotency key was sent before with another request (409)."""

    code = "idempotency-key-reused"
    title = "Idempotency key reused"
