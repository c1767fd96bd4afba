"""The SQLite connection pool: a busy server keeps its connections open
(infrastructure/persistence.py)."""

from __future__ import annotations

from pathlib import Path

from application.service import NareisApplication
from infrastructure.persistence import SQLITE_POOL_SIZE, environment_for


def test_the_connections_of_as_many_threads_as_the_server_runs_stay_open(tmp_path: Path):
    app = NareisApplication(environment_for(f"sqlite:///{tmp_path / 'app.db'}"))
    pool = app.factory.datastore.pool  # type: ignore[attr-defined]
    held = [pool.get_connection(is_writer=False) for _ in range(SQLITE_POOL_SIZE)]
    for connection in held:
        pool.put_connection(connection)
    again = [pool.get_connection(is_writer=False) for _ in range(SQLITE_POOL_SIZE)]
    assert {id(c) for c in again} == {id(c) for c in held}  # none was closed and made anew
    for connection in again:
        pool.put_connection(connection)
    app.close()
