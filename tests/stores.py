"""The stores every test that touches a database runs on, and how a test reads one directly."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import psycopg
import pytest

STORES = ("sqlite", "postgresql")


def new_database_url(store: str, folder: Path, request: pytest.FixtureRequest) -> str:
    """An empty database on `store`: a file in `folder`, or a database of the test server."""
    if store == "sqlite":
        return f"sqlite:///{folder / 'nareis.db'}"
    if request.scope == "function":
        return request.getfixturevalue("postgresql_url")  # dropped after the test
    return request.getfixturevalue("postgres_cluster").new_database()


def sql_rows(database_url: str, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """What a query (with `?` placeholders) finds in the database, read (or changed, committed)
    beside the running system, as a user with SQL access would."""
    if database_url.startswith("sqlite:///"):
        path = database_url.removeprefix("sqlite:///")
        with closing(sqlite3.connect(path, timeout=10)) as raw, raw:
            return raw.execute(query, params).fetchall()
    with psycopg.connect(database_url) as raw:
        cursor = raw.execute(query.replace("?", "%s"), params)  # type: ignore[arg-type]
        return cursor.fetchall() if cursor.description else []


def is_sqlite(database_url: str) -> bool:
    return database_url.startswith("sqlite:")


def events_table(database_url: str, purpose: str = "events") -> str:
    """The library's table of events (or of snapshots, `snapshots_v2`), named per store."""
    return f"{'stored' if is_sqlite(database_url) else 'nareis'}_{purpose}"


def tracking_table(database_url: str) -> str:
    """The library's table of projection positions, named per store."""
    return "tracking" if is_sqlite(database_url) else "nareis_tracking"


def notification_id_column(database_url: str) -> str:
    """The column of an event's position in the log (SQLite keeps it as the table's rowid)."""
    return "rowid" if is_sqlite(database_url) else "notification_id"


def everything_stored(database_url: str) -> bytes:
    """All an attacker who takes the database gets: a SQLite file's bytes with its write-ahead
    log and shared memory; every row of every PostgreSQL table, as text (a `pg_dump` of the
    data: bytea as hex)."""
    if database_url.startswith("sqlite:///"):
        path = Path(database_url.removeprefix("sqlite:///"))
        files = [path, *(path.with_name(path.name + end) for end in ("-wal", "-shm", "-journal"))]
        return b"".join(f.read_bytes() for f in files if f.exists())
    tables = sql_rows(
        database_url,
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()",
    )
    dumped = [
        row[0]
        for (table,) in tables
        for row in sql_rows(database_url, f'SELECT t::text FROM "{table}" t')
    ]
    return "\n".join(dumped).encode()


def found_in(stored: bytes, secret: str) -> bool:
    """Whether `secret` is in `stored` as text, or as the hex a `bytea` prints."""
    return secret.encode() in stored or secret.encode().hex().encode() in stored
