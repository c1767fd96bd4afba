"""What differs between SQLite and PostgreSQL for the SQL Nareis writes itself.

Nareis's SQL is written once, with `?` and `:name` placeholders and SQLite's table options; a
`Dialect` turns it into what a store takes. Everything else in the SQL is the part both stores speak.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

# PostgreSQL: the advisory lock under which a process creates tables, so that processes starting at
# once take turns; any constant will do, the same in every process.
CREATE_TABLES_LOCK = 0x4E415245_49530001

SCAN_HINT = "/*scan*/"  # marks a term a store should not answer from an index (read_model_sql)

Params = Sequence[Any] | Mapping[str, Any]


@dataclass(frozen=True)
class Dialect:
    """How Nareis's SQL reads on one store."""

    scratch_table: str  # the name of a temporary table `rm_derived`, for UPDATE ... FROM
    tables_catalog: str  # a query with a column `name`: the tables of the current schema
    # A statement that bounds how long the transaction waits for a lock ("" where the store's
    # connection already bounds it, as SQLite's busy timeout does).
    bounded_lock_wait: str = ""
    # Run in a transaction that erases data, and after it commits: what the store needs so that
    # erased bytes are not left behind in its files (SQLite: zeroed pages, a truncated WAL).
    before_erasing: tuple[str, ...] = ()
    after_erasing: tuple[str, ...] = ()

    def query(self, sql: str) -> str:
        """`sql` (written with `?` and `:name` placeholders) as this store takes it."""
        return sql

    def ddl(self, statement: str) -> str:
        """A CREATE statement (written for SQLite) as this store takes it."""
        return statement

    def any_of(self, values: Sequence[Any]) -> tuple[str, Sequence[Any]]:
        """`column {sql}` is true for a column equal to one of `values`; and its parameters."""
        return f"IN ({', '.join('?' * len(values))})", tuple(values)


class SQLiteDialect(Dialect):
    def query(self, sql: str) -> str:
        # A unary plus keeps SQLite's planner from using an index for the term.
        return sql.replace(SCAN_HINT, "+")


class PostgresDialect(Dialect):
    def query(self, sql: str) -> str:
        return _pyformat(sql)

    def any_of(self, values: Sequence[Any]) -> tuple[str, Sequence[Any]]:
        # One array parameter: the same statement (and prepared plan) for any number of values.
        return "= ANY(?)", (list(values),)

    def ddl(self, statement: str) -> str:
        # Byte order for text: dates and instants are ISO strings, compared as text, whatever
        # the database's locale.
        statement = re.sub(r"\bBLOB\b", "BYTEA", statement.replace(" WITHOUT ROWID", ""))
        return re.sub(r"\bTEXT\b", 'TEXT COLLATE "C"', statement)


@lru_cache(maxsize=512)
def _pyformat(sql: str) -> str:
    """`?` -> `%s` and `:name` -> `%(name)s` (psycopg's placeholders); a literal `%` doubled."""
    sql = sql.replace("%", "%%").replace("?", "%s")
    return re.sub(r"(?<![:\w]):([A-Za-z_]\w*)", r"%(\1)s", sql)


SQLITE = SQLiteDialect(
    scratch_table="temp.rm_derived",
    tables_catalog="SELECT name FROM sqlite_master WHERE type = 'table'",
    before_erasing=("PRAGMA secure_delete = ON",),
    after_erasing=("PRAGMA wal_checkpoint(TRUNCATE)",),
)
POSTGRES = PostgresDialect(
    bounded_lock_wait="SET LOCAL lock_timeout = '10s'",
    scratch_table="pg_temp.rm_derived",
    tables_catalog="SELECT table_name AS name FROM information_schema.tables "
    "WHERE table_schema = current_schema()",
)


def _as_written(sql: str) -> str:
    return sql


class TranslatingCursor:
    """A store's cursor that takes Nareis's SQL and translates it with the store's dialect, after
    `rename` has named the tables the transaction works on (see read_model_sql.TableSet)."""

    def __init__(
        self, raw: Any, dialect: Dialect, rename: Callable[[str], str] = _as_written
    ) -> None:
        self.raw, self.dialect, self.rename = raw, dialect, rename

    def execute(self, sql: str, params: Params = ()) -> Any:
        return self.raw.execute(self.dialect.query(self.rename(sql)), params)

    def execute_verbatim(self, sql: str, params: Params = ()) -> Any:
        """`sql` naming tables as the store's catalog names them (not renamed)."""
        return self.raw.execute(self.dialect.query(sql), params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> Any:
        return self.raw.executemany(self.dialect.query(self.rename(sql)), rows)

    def fetchone(self) -> Any:
        return self.raw.fetchone()

    def fetchall(self) -> list[Any]:
        return self.raw.fetchall()
