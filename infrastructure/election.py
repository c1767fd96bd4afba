"""Which process projects: one elected leader per database, every other process follows.

Several processes may serve one database (two `nareis serve` on one SQLite file, `serve --workers
N`, a `nareis project`). Had each caught up the read model, they would fight over the same rows
(on SQLite: "database is locked"). So each asks its `Leadership` every round; only the process
that holds it projects. The lock belongs to the operating system or the database server, not to a
row we write: when the leader dies, its lock goes with it and a follower takes over on its next
round, with no stale lease to expire.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from infrastructure.settings import ConfigurationError

ELECTION_NAME = "nareis-projections"


class Leadership(Protocol):
    def try_lead(self) -> bool:
        """Without blocking: whether this process leads now (it keeps leading once it does,
        until `release` or its death)."""

    def release(self) -> None:
        """Stop leading (a no-op for a follower); another process may lead from now on."""


ElectionFactory = Callable[[str], Leadership]


class AlwaysLeads:
    """A `memory://` database belongs to one process: there is no one to take turns with."""

    def try_lead(self) -> bool:
        return True

    def release(self) -> None:
        pass


class FileLockLeadership:
    """An exclusive `flock` on a file next to the SQLite database. The kernel drops the lock when
    the holder's file is closed, which includes the holder dying (kill -9 too). A lock belongs to
    one open file, so two elections in one process also take turns."""

    def __init__(self, lock_path: Path) -> None:
        self.lock_path = lock_path
        self._fd: int | None = None
        self._leading = False

    def try_lead(self) -> bool:
        if self._leading:
            return True
        if self._fd is None:
            self._fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        self._leading = True
        return True

    def release(self) -> None:
        # The file stays: removing it would let a newcomer lock a new file while a follower
        # still waits on the old one, and both would lead.
        if self._fd is not None:
            os.close(self._fd)  # closing drops the lock
        self._fd, self._leading = None, False


def advisory_lock_key(name: str) -> int:
    """A stable signed 64-bit key for `pg_try_advisory_lock`, from a name."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


class AdvisoryLockLeadership:
    """A session-level PostgreSQL advisory lock, held on a connection of its own: the server
    releases it when that session ends (the process died, or the connection broke)."""

    def __init__(self, conninfo: str, key: int = advisory_lock_key(ELECTION_NAME)) -> None:
        self.conninfo = conninfo
        self.key = key
        self._connection: Any = None
        self._leading = False

    def try_lead(self) -> bool:
        try:
            if self._leading:
                self._connection.execute("SELECT 1")  # still our session, so still our lock
                return True
            if self._connection is None:
                self._connection = self._connect()
            row = self._connection.execute("SELECT pg_try_advisory_lock(%s)", (self.key,))
            self._leading = bool(row.fetchone()[0])
        except Exception:
            self.release()  # a broken session has lost the lock: start over next round
            raise
        return self._leading

    def _connect(self) -> Any:
        import psycopg  # only PostgreSQL deployments need the driver

        return psycopg.connect(self.conninfo, autocommit=True)

    def release(self) -> None:
        connection, leading = self._connection, self._leading
        self._connection, self._leading = None, False
        if connection is None:
            return
        try:
            if leading:
                # Unlock before closing: the server ends a closed session after `close()`
                # returns, so without this a candidate asking at once may still find it held.
                with contextlib.suppress(Exception):  # a broken session has lost it already
                    connection.execute("SELECT pg_advisory_unlock(%s)", (self.key,))
        finally:
            with contextlib.suppress(Exception):
                connection.close()


def sqlite_lock_path(database_url: str) -> Path:
    """`sqlite:///PATH` -> `PATH.projections.lock`, next to the database."""
    return Path(database_url[len("sqlite:///") :] + ".projections.lock")


def election_for(database_url: str) -> Leadership:
    """The election for a database URL (API.md, "Starting it")."""
    scheme = urlsplit(database_url).scheme
    if scheme == "sqlite":
        return FileLockLeadership(sqlite_lock_path(database_url))
    if scheme in ("postgresql", "postgres"):
        return AdvisoryLockLeadership(database_url)
    if scheme == "memory":
        return AlwaysLeads()
    raise ConfigurationError(f"no projection election for NAREIS_DATABASE_URL {database_url!r}")
