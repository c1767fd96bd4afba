"""`NAREIS_DATABASE_URL` -> the eventsourcing library's environment for the application."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit, urlunsplit
from uuid import uuid4

from eventsourcing.sqlite import SQLiteConnectionPool, SQLiteFactory
from eventsourcing.utils import Environment, EnvType, get_topic

from infrastructure.event_stores import (
    NareisPostgresApplicationRecorder,
    NareisSQLiteApplicationRecorder,
)
from infrastructure.postgres_read_model import PostgresReadModel
from infrastructure.read_model_sql import SQLReadModel
from infrastructure.settings import ConfigurationError
from infrastructure.sqlite_read_model import SQLiteReadModel

# Commands fast-forward a cached case instead of replaying its history each time.
AGGREGATE_CACHE_MAXSIZE = "1000"

# SQLite connections a process keeps open, and how many more it opens (closed again after use).
# The HTTP server runs the routes in anyio's thread pool, 40 threads by default, and the projection
# worker and the wake-ups have a thread each: with fewer open connections than threads (the
# library's 5, plus 10 closed on return), a busy server opened and closed a connection (its page
# cache and prepared statements lost) for most requests, and the threads beyond 15 waited for one.
# An idle connection costs little (its page cache fills only as it reads).
#
# The pool's queue is kept: requests get connections in turn, and a writer waiting for the writer
# before it (SQLite has one at a time) keeps the readers behind it waiting too. A pool that let the
# readers pass was tried: with 8 writer and 8 reader threads in one process, reads went from 204
# to 299 a second and writes fell from 209 to 69 (the readers take the GIL the writers wait for),
# against the goal for writes under mixed load.
SQLITE_POOL_SIZE = 40
SQLITE_MAX_OVERFLOW = 10


class NareisSQLiteFactory(SQLiteFactory):
    """The library's SQLite persistence, with a connection pool as large as the server's threads
    (see SQLITE_POOL_SIZE; the library reads no pool size from its settings for SQLite)."""

    def __init__(self, env: Environment | EnvType | None) -> None:
        super().__init__(env)
        unused = self.datastore.pool  # made by the library, never used: no connection opened
        self.datastore.pool = SQLiteConnectionPool(
            db_name=unused.db_name,
            lock_timeout=unused.lock_timeout,
            pool_size=SQLITE_POOL_SIZE,
            max_overflow=SQLITE_MAX_OVERFLOW,
        )
        unused.close()


def sqlite_environment(db_name: str) -> dict[str, str]:
    return {
        "PERSISTENCE_MODULE": get_topic(NareisSQLiteFactory),
        "SQLITE_DBNAME": db_name,
        "SQLITE_LOCK_TIMEOUT": "10",
        "APPLICATION_RECORDER_TOPIC": get_topic(NareisSQLiteApplicationRecorder),
        "AGGREGATE_CACHE_MAXSIZE": AGGREGATE_CACHE_MAXSIZE,
    }


def postgres_environment(database_url: str, pool_size: int, max_overflow: int) -> dict[str, str]:
    parts = urlsplit(database_url)
    dbname = unquote(parts.path.lstrip("/"))
    if not (parts.hostname and parts.username and dbname):
        raise ConfigurationError(
            "NAREIS_DATABASE_URL: use postgresql://USER:PASSWORD@HOST:PORT/DATABASE"
        )
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": dbname,
        "POSTGRES_HOST": parts.hostname,
        "POSTGRES_PORT": str(parts.port or 5432),
        "POSTGRES_USER": unquote(parts.username),
        "POSTGRES_PASSWORD": unquote(parts.password or ""),
        "POSTGRES_POOL_SIZE": str(pool_size),
        "POSTGRES_MAX_OVERFLOW": str(max_overflow),
        "POSTGRES_CONNECT_TIMEOUT": "10",
        "POSTGRES_LOCK_TIMEOUT": "10",
        # A connection the server dropped (a restart, a fail-over) is replaced, not handed out.
        "POSTGRES_PRE_PING": "yes",
        "APPLICATION_RECORDER_TOPIC": get_topic(NareisPostgresApplicationRecorder),
        "AGGREGATE_CACHE_MAXSIZE": AGGREGATE_CACHE_MAXSIZE,
    }


def read_model_class_for(database_url: str) -> type[SQLReadModel]:
    """The read model's recorder for the store the URL names (checked by `environment_for`)."""
    return (
        PostgresReadModel if urlsplit(database_url).scheme in POSTGRES_SCHEMES else SQLiteReadModel
    )


POSTGRES_SCHEMES = ("postgresql", "postgres")


def environment_for(
    database_url: str, pool_size: int = 10, max_overflow: int = 10
) -> dict[str, str]:
    """The library settings for a database URL (API.md, "Starting it"); a PostgreSQL pool keeps
    `pool_size` connections open and opens up to `max_overflow` more under load."""
    parts = urlsplit(database_url)
    if parts.scheme == "sqlite":
        path = sqlite_path(database_url)
        if not path:
            raise ConfigurationError(
                f"NAREIS_DATABASE_URL {database_url!r}: use sqlite:///PATH, e.g. sqlite:///./nareis.db"
            )
        return sqlite_environment(path)
    if parts.scheme == "memory":
        # A named shared-cache memory database: every connection of this process sees the same data
        # (plain ':memory:' gives each pooled connection its own empty database).
        return sqlite_environment(f"file:nareis-{uuid4().hex}?mode=memory&cache=shared")
    if parts.scheme in POSTGRES_SCHEMES:
        return postgres_environment(database_url, pool_size, max_overflow)
    raise ConfigurationError(
        f"NAREIS_DATABASE_URL scheme {parts.scheme or database_url!r} is not one of "
        "sqlite:///PATH, memory://, postgresql://USER:PASSWORD@HOST:PORT/DATABASE"
    )


def sqlite_path(database_url: str) -> str:
    """The file of a `sqlite:///PATH` URL ("" for another URL)."""
    return database_url[len("sqlite:///") :] if database_url.startswith("sqlite:///") else ""


def redacted(url: str) -> str:
    """A database URL without its password, to print."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@")))
