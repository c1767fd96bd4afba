"""Faults of the store, caused for real under a running server: what a client is answered, and that
the store stays consistent (API.md: "a 5xx means the command was not recorded")."""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import pytest

from tests.e2e.support import (
    CASEWORKER_TOKEN,
    SUBMITTED_ON,
    Api,
    Server,
    assert_command_answer,
    assert_problem,
    partner_body,
    sponsor_body,
)
from tests.postgres_cluster import (
    SERVER_USER_WHEN_ROOT,
    PostgresServer,
    ThrowawayCluster,
    database_of,
)
from tests.stores import events_table, is_sqlite, sql_rows

DOCUMENT = {"received_on": SUBMITTED_ON, "kind": "identity_document", "official": True}
SNAPSHOT_INTERVAL = 50  # application/service.py
SMALL_DISK_SIZE = "16m"
MAX_COMMANDS_ON_A_FULL_DISK = 2000


def refuse_snapshots(database_url: str) -> None:
    """The store refuses every snapshot from now on: a trigger raises on the insert."""
    table = events_table(database_url, "snapshots_v2")
    if is_sqlite(database_url):
        statements = [
            f"CREATE TRIGGER refuse_snapshots BEFORE INSERT ON {table} "
            "BEGIN SELECT RAISE(ABORT, 'the snapshot store failed'); END"
        ]
    else:
        statements = [
            "CREATE FUNCTION refuse_snapshots() RETURNS trigger LANGUAGE plpgsql AS "
            "'BEGIN RAISE EXCEPTION ''the snapshot store failed''; END'",
            f"CREATE TRIGGER refuse_snapshots BEFORE INSERT ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION refuse_snapshots()",
        ]
    for statement in statements:
        sql_rows(database_url, statement)


def test_a_snapshot_the_store_refuses_after_the_commit_neither_fails_nor_repeats_the_command(
    private_server: Server,
) -> None:
    refuse_snapshots(private_server.database_url)
    api = Api(private_server)
    try:
        case_id, member_id = api.valid_case()  # versions 1-4
        url = f"/cases/{case_id}/members/{member_id}/documents"
        for version in range(5, SNAPSHOT_INTERVAL + 2):
            # No Idempotency-Key: an error here would leave the client only a blind retry.
            assert_command_answer(api.cw.post(url, json=DOCUMENT), version=version)
        assert len(api.history(case_id)) == SNAPSHOT_INTERVAL + 1
        assert api.case(case_id)["version"] == SNAPSHOT_INTERVAL + 1
    finally:
        api.close()
    url = private_server.database_url
    [(snapshots,)] = sql_rows(url, f"SELECT COUNT(*) FROM {events_table(url, 'snapshots_v2')}")
    assert snapshots == 0
    assert "taking a snapshot after a recorded command failed" in private_server.log()


# --- a full disk ---------------------------------------------------------------------------------


@dataclass
class SmallDisk:
    """A small file system of its own (tmpfs), which `fill` fills up and `free` frees again."""

    folder: Path

    @property
    def ballast(self) -> Path:
        return self.folder / "ballast"

    def fill(self) -> None:
        ballast = os.open(self.ballast, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        try:
            for chunk in (1 << 16, 1 << 12, 1):
                with suppress(OSError):  # ENOSPC: no room for another chunk of this size
                    while True:
                        os.write(ballast, b"\0" * chunk)
        finally:
            os.close(ballast)

    def free(self) -> None:
        self.ballast.unlink()


@contextmanager
def small_disk(owner: str | None = None) -> Iterator[SmallDisk]:
    """A tmpfs of a few MB mounted for the test (owned by the system user `owner`, if given);
    skips the test where mounting is not allowed."""
    folder = Path(tempfile.mkdtemp(prefix="nareis-small-disk-"))
    folder.chmod(0o755)
    options = f"size={SMALL_DISK_SIZE}"
    if owner is not None:
        user = pwd.getpwnam(owner)
        options += f",uid={user.pw_uid},gid={user.pw_gid},mode=0700"
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "nareis-small-disk", str(folder)],
        capture_output=True,
    )
    if mounted.returncode != 0:
        folder.rmdir()
        pytest.skip("mounting a small file system needs root here")
    try:
        yield SmallDisk(folder)
    finally:
        subprocess.run(["umount", "--lazy", str(folder)], check=True)
        folder.rmdir()


@dataclass
class FullDiskServer:
    server: Server
    disk: SmallDisk


@contextmanager
def sqlite_server_on_a_small_disk(workdir: Path) -> Iterator[FullDiskServer]:
    with small_disk() as disk:
        server = Server(database_url=f"sqlite:///{disk.folder / 'nareis.db'}", workdir=workdir)
        server.start()
        try:
            yield FullDiskServer(server, disk)
        finally:
            server.stop()


@contextmanager
def postgres_server_on_a_small_disk(
    cluster: PostgresServer, workdir: Path
) -> Iterator[FullDiskServer]:
    """A server whose database keeps its tables in a tablespace on a small disk (its catalog and
    the cluster's write-ahead log stay where they were)."""
    if not isinstance(cluster, ThrowawayCluster) or os.geteuid() != 0:
        pytest.skip("needs the session's throwaway cluster and root, to mount its tablespace")
    tablespace = f"small_disk_{secrets.token_hex(4)}"
    with small_disk(owner=SERVER_USER_WHEN_ROOT) as disk:
        location = disk.folder / "tablespace"
        location.mkdir()
        shutil.chown(location, SERVER_USER_WHEN_ROOT, SERVER_USER_WHEN_ROOT)
        admin(cluster, f"CREATE TABLESPACE {tablespace} LOCATION '{location}'")
        url = cluster.new_database()
        admin(cluster, f"ALTER DATABASE {database_of(url)} SET default_tablespace = {tablespace}")
        server = Server(database_url=url, workdir=workdir)
        server.start()
        try:
            yield FullDiskServer(server, disk)
        finally:
            server.stop()
            cluster.drop_database(url)
            admin(cluster, f"DROP TABLESPACE {tablespace}")


def admin(cluster: PostgresServer, statement: str) -> None:
    with psycopg.connect(cluster.admin_url, autocommit=True) as connection:
        connection.execute(statement)  # type: ignore[arg-type]


@pytest.fixture
def full_disk_server(
    request: pytest.FixtureRequest, store: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FullDiskServer]:
    workdir = tmp_path_factory.mktemp("e2e-full-disk")
    if store == "sqlite":
        opened = sqlite_server_on_a_small_disk(workdir)
    else:
        opened = postgres_server_on_a_small_disk(
            request.getfixturevalue("postgres_cluster"), workdir
        )
    with opened as running:
        yield running
    log = running.server.logs_of_every_start()
    assert "Traceback" not in log, f"the server logged an error:\n{log[-8000:]}"


def client_port(response: httpx.Response) -> int:
    """The local port of the connection that carried `response`."""
    return response.extensions["network_stream"].get_extra_info("client_addr")[1]


def test_a_full_disk_answers_503_storage_unavailable_keeps_the_connection_and_serves_reads(
    full_disk_server: FullDiskServer,
) -> None:
    server, disk = full_disk_server.server, full_disk_server.disk
    # Not client_for: its answers count in the suite's "no 5xx ever" check, and 503 is expected.
    headers = {"Authorization": f"Bearer {CASEWORKER_TOKEN}"}
    with httpx.Client(base_url=server.base_url, headers=headers, timeout=60) as client:
        case_id = client.post("/cases", json={"sponsor": sponsor_body()}).json()["case_id"]
        member = client.post(f"/cases/{case_id}/members", json=partner_body()).json()
        url = f"/cases/{case_id}/members/{member['member_id']}/documents"
        disk.fill()
        recorded = member["version"]
        for _ in range(MAX_COMMANDS_ON_A_FULL_DISK):
            refused = client.post(url, json=DOCUMENT)
            if refused.status_code != 200:
                break
            recorded = assert_command_answer(refused, version=recorded + 1)["version"]
        assert_problem(refused, 503, code="storage-unavailable")

        read = client.get(f"/cases/{case_id}")
        assert read.status_code == 200, read.text
        assert client_port(read) == client_port(refused), "the connection was closed"
        assert read.json()["version"] == recorded
        assert len(client.get(f"/cases/{case_id}/history").json()) == recorded
        assert client.get("/reports/caseload").status_code == 200

        disk.free()
        again = client.post(url, json=DOCUMENT)
        assert_command_answer(again, version=recorded + 1)
        assert len(client.get(f"/cases/{case_id}/history").json()) == recorded + 1
