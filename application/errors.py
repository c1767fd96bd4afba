"""The application's own errors: about how a command was sent, not about what the case records.

A command can be refused by the domain (`domain/errors.py`) or, before and after the domain has
had its say, by the application: the caller expected another version of the case, reused an
idempotency key for another command, or lost a race with another writer too often. Each has its
own problem `code`; the HTTP layer maps them to statuses (`infrastructure/api/problems.py`).
"""

from __future__ import annotations

from domain.errors import InvalidInput, NareisError


class ApplicationError(NareisError):
    """A command the application did not record for a reason of its own. Never raised itself."""

    code = "application-error"
    title = "Not recorded"


class VersionMismatch(ApplicationError):
    """The caller's expected version is not the case's current version, also when another writer
    saved between the check and the save."""

    code = "version-mismatch"
    title = "Precondition failed"

    def __init__(self, expected: int, actual: int) -> None:
        super().__init__(
            f"The case is at version {actual}, not at the expected version {expected}; "
            "nothing was recorded."
        )
        self.expected = expected
        self.actual = actual


class ConcurrencyConflict(ApplicationError):
    """Other commands changed the case between reading and recording it, on every attempt."""

    code = "concurrent-modification"
    title = "Concurrent modification"


class IdempotencyKeyReused(ApplicationError):
    """The same idempotency key was sent before with another command."""

    code = "idempotency-key-reused"
    title = "Idempotency key reused"


class CaseNotErasable(ApplicationError):
    """The case holds personal data that is not under its own key (events recorded before keys
    per case existed), so destroying the key would not erase it."""

    code = "case-not-erasable"
    title = "Case cannot be erased"


class InvalidIfMatch(InvalidInput):
    """The caller's expected version is not a case version."""

    code = "invalid-if-match"
    title = "If-Match is not a case version"


class InvalidIdempotencyKey(InvalidInput):
    """The caller's idempotency key is not 1 to 200 visible ASCII characters."""

    code = "invalid-idempotency-key"
    title = "Idempotency-Key is not 1 to 200 visible characters"
