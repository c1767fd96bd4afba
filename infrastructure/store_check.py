"""Before a process uses the database NAREIS_DATABASE_URL names: can it be opened, read and written?

A database that cannot be used stops `serve` and every tool with one line that names it (password
hidden) and exit status 2 (API.md, "Starting it"), instead of a traceback, or, worse, a damaged
file served and written to. On SQLite the whole file is read with `PRAGMA quick_check` (every page
of every table and index, and the free list; README gives its cost) and a write is tried and
rolled back. On PostgreSQL the server is asked for a session on the database and whether it takes
writes; the server checks its own pages as it reads them.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from urllib.parse import unquote, urlsplit

import psycopg

from infrastructure.errors import DatabaseUnusable
from infrastructure.persistence import POSTGRES_SCHEMES, redacted, sqlite_path
from infrastructure.storage_faults import sqlite_reason

LOCK_TIMEOUT_SECONDS = 10  # as the library waits for another process's write
CONNECT_TIMEOUT_SECONDS = 10
DAMAGE_SHOWN = 3  # the first problems quick_check names


def check_database(database_url: str) -> None:
    """Raise `DatabaseUnusable` unless the database of `database_url` can be read and written."""
    scheme = urlsplit(database_url).scheme
    if scheme == "sqlite":
        check_sqlite_file(Path(sqlite_path(database_url)), redacted(database_url))
    elif scheme in POSTGRES_SCHEMES:
        check_postgres_database(database_url)


def check_sqlite_file(path: Path, name: str) -> None:
    """The file's folder exists; the file (made here if missing) is a SQLite database that passes
    `PRAGMA quick_check` and takes a write."""
    if not path.parent.is_dir():
        raise DatabaseUnusable(name, f"the folder {path.parent} does not exist")
    try:
        with closing(
            sqlite3.connect(path, timeout=LOCK_TIMEOUT_SECONDS, isolation_level=None)
        ) as database:
            damage = _quick_check(database)
            if not damage:
                _try_a_write(database)
    except sqlite3.Error as error:
        raise DatabaseUnusable(name, _sqlite_reason(error)) from None
    if damage:
        raise DatabaseUnusable(name, f"the file is damaged (PRAGMA quick_check: {damage})")


def _quick_check(database: sqlite3.Connection) -> str:
    """What `PRAGMA quick_check` found wrong ("" when nothing)."""
    found = [row[0] for row in database.execute(f"PRAGMA quick_check({DAMAGE_SHOWN})")]
    return "" if found == ["ok"] else "; ".join(" ".join(str(f).split()) for f in found)


def _try_a_write(database: sqlite3.Connection) -> None:
    database.execute("BEGIN")
    try:
        database.execute("CREATE TABLE nareis_write_probe (x)")
    finally:
        database.execute("ROLLBACK")


def _sqlite_reason(error: sqlite3.Error) -> str:
    return f"{sqlite_reason(error)} ({error})"


def check_postgres_database(database_url: str) -> None:
    """The server answers, takes the user's password, has the database and takes writes."""
    name = redacted(database_url)
    try:
        with psycopg.connect(database_url, connect_timeout=CONNECT_TIMEOUT_SECONDS) as connection:
            row = connection.execute("SHOW transaction_read_only").fetchone()
    except psycopg.Error as error:
        raise DatabaseUnusable(name, without_password(str(error), database_url)) from None
    if row is not None and row[0] == "on":
        raise DatabaseUnusable(name, "the server takes no writes (transaction_read_only is on)")


def without_password(message: str, database_url: str) -> str:
    """`message` on one line, with the URL's password (if it shows) hidden."""
    password = urlsplit(database_url).password
    line = " ".join(message.split())
    for shown in {password, unquote(password or "")} - {None, ""}:
        line = line.replace(str(shown), "***")
    return line
