"""The throwaway PostgreSQL server the suite starts for itself (tests/postgres_cluster.py)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from tests.postgres_cluster import (
    PostgresServer,
    PostgresServerNotFound,
    ThrowawayCluster,
    database_of,
    find_server_binaries,
    folder_for_clusters,
)


def test_the_fixture_gives_a_database_where_a_table_can_be_created_and_read_back(
    postgresql_url: str,
):
    with psycopg.connect(postgresql_url) as connection:
        connection.execute("CREATE TABLE greeting (id serial PRIMARY KEY, words text NOT NULL)")
        connection.execute("INSERT INTO greeting (words) VALUES (%s)", ["goedemorgen"])
    with psycopg.connect(postgresql_url) as connection:
        rows = connection.execute("SELECT words FROM greeting").fetchall()
    assert rows == [("goedemorgen",)]


def test_the_fixtures_database_is_utf8_with_the_byte_ordered_c_collation(postgresql_url: str):
    with psycopg.connect(postgresql_url) as connection:
        encoding, collation = connection.execute(
            "SELECT pg_encoding_to_char(encoding), datcollate FROM pg_database"
            " WHERE datname = current_database()"
        ).fetchone()
    assert (encoding, collation) == ("UTF8", "C")


def test_two_new_databases_are_separate_databases(postgres_cluster: PostgresServer):
    first, second = postgres_cluster.new_database(), postgres_cluster.new_database()
    try:
        assert database_of(first) != database_of(second)
        with psycopg.connect(first) as connection:
            connection.execute("CREATE TABLE only_in_the_first (id int)")
        with psycopg.connect(second) as connection:
            found = connection.execute("SELECT to_regclass('only_in_the_first')").fetchone()
        assert found == (None,)
    finally:
        postgres_cluster.drop_database(first)
        postgres_cluster.drop_database(second)


def test_a_dropped_database_is_gone_even_with_a_connection_left_open(
    postgres_cluster: PostgresServer,
):
    url = postgres_cluster.new_database()
    left_open = psycopg.connect(url)
    try:
        postgres_cluster.drop_database(url)
    finally:
        left_open.close()
    with psycopg.connect(postgres_cluster.admin_url) as admin:
        found = admin.execute(
            "SELECT count(*) FROM pg_database WHERE datname = %s", [database_of(url)]
        ).fetchone()
    assert found == (0,)


def throwaway(postgres_cluster: PostgresServer) -> ThrowawayCluster:
    if not isinstance(postgres_cluster, ThrowawayCluster):
        pytest.skip("NAREIS_TEST_POSTGRESQL_URL names a server this session did not start")
    return postgres_cluster


def refuses_connections(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.settimeout(2)
        try:
            probe.connect((host, port))
        except OSError:
            return True
        return False


def test_the_throwaway_server_listens_on_127_0_0_1_only(postgres_cluster: PostgresServer):
    cluster = throwaway(postgres_cluster)
    assert cluster.port is not None
    with psycopg.connect(cluster.admin_url) as admin:
        listening_on = admin.execute("SHOW listen_addresses").fetchone()
        socket_folder = admin.execute("SHOW unix_socket_directories").fetchone()
    assert listening_on == ("127.0.0.1",)
    assert socket_folder == (str(cluster.folder),)
    assert not refuses_connections("127.0.0.1", cluster.port)
    # Another loopback address reaches the same machine, but the server is not bound to it.
    assert refuses_connections("127.0.0.2", cluster.port)
    assert refuses_connections("::1", cluster.port)


def test_the_throwaway_server_trades_durability_for_speed_and_takes_many_connections(
    postgres_cluster: PostgresServer,
):
    cluster = throwaway(postgres_cluster)
    with psycopg.connect(cluster.admin_url) as admin:
        settings = {
            name: admin.execute(f"SHOW {name}").fetchone()[0]
            for name in ("fsync", "synchronous_commit", "full_page_writes", "max_connections")
        }
    assert settings == {
        "fsync": "off",
        "synchronous_commit": "off",
        "full_page_writes": "off",
        "max_connections": "300",
    }


def test_the_superuser_needs_its_password(postgres_cluster: PostgresServer):
    cluster = throwaway(postgres_cluster)
    wrong = f"postgresql://nareis:not-the-password@127.0.0.1:{cluster.port}/postgres"
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(wrong)


def test_a_stopped_cluster_leaves_no_server_and_no_folder():
    cluster = ThrowawayCluster().start()
    folder, port = cluster.folder, cluster.port
    assert folder is not None and port is not None
    cluster.stop()
    assert not folder.exists()
    assert refuses_connections("127.0.0.1", port)
    cluster.stop()  # a second stop (the atexit one) does nothing


KILLED_MID_RUN = """
import os, signal
from tests.postgres_cluster import ThrowawayCluster
cluster = ThrowawayCluster().start()
print(cluster.folder, cluster.port, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_test_process_killed_mid_run_leaves_no_server_and_no_folder_behind():
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_MID_RUN],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).parents[2],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])},
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    folder, port = killed.stdout.split()
    deadline = time.monotonic() + 30
    while Path(folder).exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not Path(folder).exists()
    assert refuses_connections("127.0.0.1", int(port))


def test_without_server_binaries_the_error_says_to_install_debians_postgresql_package(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr("tests.postgres_cluster.DEBIAN_SERVER_BINARIES", tmp_path / "none")
    with pytest.raises(PostgresServerNotFound, match=r"apt-get install .*postgresql"):
        find_server_binaries()


def test_clusters_live_in_the_memory_folder_only_when_it_has_room(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    monkeypatch.setattr("tests.postgres_cluster.MEMORY_FOLDER", tmp_path)
    monkeypatch.setattr("tests.postgres_cluster.MEMORY_FOLDER_ROOM_NEEDED", 1)
    assert folder_for_clusters() == tmp_path
    monkeypatch.setattr("tests.postgres_cluster.MEMORY_FOLDER_ROOM_NEEDED", 1 << 60)
    assert folder_for_clusters() is None
    monkeypatch.setattr("tests.postgres_cluster.MEMORY_FOLDER", tmp_path / "missing")
    assert folder_for_clusters() is None
