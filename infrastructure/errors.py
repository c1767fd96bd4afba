"""The infrastructure's own errors: the store, not the request, is at fault.

`StorageUnavailable` joins the domain's and the application's errors (`NareisError`), so the HTTP
layer maps it to a problem+json answer in the same one place (`infrastructure/api/problems.py`).
`DatabaseUnusable` stops a process at start, as any setting that cannot be used does.
"""

from __future__ import annotations

from domain.errors import NareisError
from infrastructure.settings import ConfigurationError


class InfrastructureError(NareisError):
    """Nareis could not do what was asked for a reason of its own machinery. Never raised itself."""

    code = "infrastructure-error"
    title = "Not done"


class StorageUnavailable(InfrastructureError):
    """The store refused to read or write (a full disk, a read-only or unreachable database, a lock
    held too long). A command answered this was not recorded; trying again later may succeed."""

    code = "storage-unavailable"
    title = "Storage unavailable"


class DatabaseUnusable(ConfigurationError):
    """The database NAREIS_DATABASE_URL names cannot be opened, read or written."""

    def __init__(self, database: str, reason: str) -> None:
        super().__init__(f"cannot use the database {database}: {reason}")
        self.database = database
        self.reason = reason
