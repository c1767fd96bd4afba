"""Which errors of the store mean that it cannot read or write now (a full disk, a database that
takes no writes or cannot be reached, a lock held too long), as opposed to a bug, and in words.

The library wraps the driver's error (sqlite3, psycopg) in its own (`OperationalError`,
`InterfaceError`, ...); the driver's error, its cause, says what happened.
"""

from __future__ import annotations

import sqlite3

import psycopg
from eventsourcing.persistence import InterfaceError, OperationalError, PersistenceError

from infrastructure.errors import StorageUnavailable

SQLITE_REASONS = {
    "SQLITE_NOTADB": "it is not a SQLite database",
    "SQLITE_CORRUPT": "the file is damaged",
    "SQLITE_READONLY": "it is read-only",
    "SQLITE_CANTOPEN": "it cannot be opened",
    "SQLITE_PERM": "permission denied",
    "SQLITE_AUTH": "permission denied",
    "SQLITE_BUSY": "another process keeps it locked",
    "SQLITE_IOERR": "reading or writing it failed",
    "SQLITE_FULL": "the disk is full",
}
# SQLSTATEs (or their first characters), most specific first.
POSTGRES_REASONS = (
    ("53100", "the disk is full"),
    ("25006", "it takes no writes"),
    ("57014", "it is busy"),
    ("55P03", "it is busy"),
    ("40", "it is busy"),
    ("53", "the server is out of resources"),
    ("57", "the server is shutting down or starting"),
    ("58", "reading or writing it failed"),
    ("08", "it cannot be reached"),
)
READ_ONLY_TRANSACTION = "25006"  # an InternalError to psycopg, but the store's refusal all the same


def storage_fault(error: BaseException) -> StorageUnavailable | None:
    """The `StorageUnavailable` that `error` means, or None when it is not the store's fault."""
    if not isinstance(error, PersistenceError):
        return None
    cause = error.__cause__
    refused = getattr(cause, "sqlstate", None) == READ_ONLY_TRANSACTION
    if not (isinstance(error, (OperationalError, InterfaceError)) or refused):
        return None
    return StorageUnavailable(
        f"The database cannot be used now ({store_reason(cause)}). A command answered this was "
        "not recorded; try again later."
    )


def store_reason(cause: BaseException | None) -> str:
    """What a driver's error says about the store, in a few words."""
    if isinstance(cause, sqlite3.Error):
        return sqlite_reason(cause)
    if isinstance(cause, psycopg.Error):
        sqlstate = cause.sqlstate or "08"  # no SQLSTATE: the client never reached the server
        return next(
            (why for code, why in POSTGRES_REASONS if sqlstate.startswith(code)), "it failed"
        )
    return "it failed"


def sqlite_reason(error: sqlite3.Error) -> str:
    code = "_".join(str(getattr(error, "sqlite_errorname", "")).split("_")[:2])
    return SQLITE_REASONS.get(code, "it failed")


def one_line(error: BaseException) -> str:
    """The error's type and message on one line, for a log."""
    return f"{type(error).__name__}: {' '.join(str(error).split())}"
