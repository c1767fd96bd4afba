"""`NAREIS_DATABASE_URL` -> the eventsourcing library's environment for the application."""

from __future__ import annotations

from urllib.parse import urlsplit
from uuid import uuid4

from eventsourcing.utils import get_topic

from infrastructure.settings import ConfigurationError
from infrastructure.sqlite_store import NareisSQLiteApplicationRecorder


def sqlite_environment(db_name: str) -> dict[str, str]:
    return {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": db_name,
        "SQLITE_LOCK_TIMEOUT": "10",
        "APPLICATION_RECORDER_TOPIC": get_topic(NareisSQLiteApplicationRecorder),
        # Commands fast-forward a cached case instead of replaying its history each time.
        "AGGREGATE_CACHE_MAXSIZE": "1000",
    }


def environment_for(database_url: str) -> dict[str, str]:
    """The library settings for a database URL (API.md, "Starting it")."""
    parts = urlsplit(database_url)
    if parts.scheme == "sqlite":
        path = database_url[len("sqlite:///") :] if database_url.startswith("sqlite:///") else ""
        if not path:
            raise ConfigurationError(
                f"NAREIS_DATABASE_URL {database_url!r}: use sqlite:///PATH, e.g. sqlite:///./nareis.db"
            )
        return sqlite_environment(path)
    if parts.scheme == "memory":
        # A named shared-cache memory database: every connection of this process sees the same data
        # (plain ':memory:' gives each pooled connection its own empty database).
        return sqlite_environment(f"file:nareis-{uuid4().hex}?mode=memory&cache=shared")
    if parts.scheme in ("postgresql", "postgres"):
        raise ConfigurationError(
            "PostgreSQL is not supported by this build yet; use sqlite:///PATH or memory://"
        )
    raise ConfigurationError(
        f"NAREIS_DATABASE_URL scheme {parts.scheme or database_url!r} is not one of "
        "sqlite:///PATH, memory://, postgresql://"
    )
