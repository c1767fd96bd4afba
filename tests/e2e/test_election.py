"""Several processes on one SQLite file: one elected projection worker catches the read model up,
the others follow (infrastructure/election.py). Two `nareis serve`, `serve --workers 2`, and
`nareis project` taking its turn."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from tests.e2e.support import (
    CASEWORKER_TOKEN,
    NAREIS,
    Api,
    Server,
    client_for,
    eventually,
)
from tests.postgres_cluster import PostgresServer
from tests.stores import new_database_url

LOAD_SECONDS = 4.0
POLL_SECONDS = 1.0  # NAREIS_PROJECTION_POLL_SECONDS, the default
CATCH_UP_SECONDS = 30.0  # generous: the machine runs other tests at the same time
PART = re.compile(r"projections: (leading|following)")
LOG_INSTANT = "%Y-%m-%d %H:%M:%S,%f"


def _server(root: Path, name: str, database_url: str, *args: str, **settings: str) -> Server:
    workdir = root / name
    workdir.mkdir()
    return Server(database_url=database_url, workdir=workdir, args=list(args), settings=settings)


def _record_cases(server: Server, until: float) -> list[str]:
    """Open cases, each granted and with a partner registered, on `server` until `until`."""
    api = Api(server)
    opened = []
    try:
        while time.monotonic() < until:
            case_id = api.open_case()
            api.grant(case_id)
            api.register(case_id)
            opened.append(case_id)
    finally:
        api.close()
    return opened


def _load(servers: list[Server], seconds: float, clients_per_server: int = 2) -> list[str]:
    """Commands from `clients_per_server` concurrent clients per server for `seconds`."""
    until = time.monotonic() + seconds
    with ThreadPoolExecutor(len(servers) * clients_per_server) as pool:
        runs = [
            pool.submit(_record_cases, server, until)
            for server in servers
            for _ in range(clients_per_server)
        ]
        return [case_id for run in runs for case_id in run.result()]


def _record_one_case(server: Server, token: str = CASEWORKER_TOKEN) -> str:
    """On a connection of its own, so that with several workers any of them may answer."""
    api = Api(server)
    api.cw.headers["Authorization"] = f"Bearer {token}"
    try:
        case_id = api.open_case()
        api.grant(case_id)
        api.register(case_id)
        return case_id
    finally:
        api.close()


def _reflects(server: Server, cases: list[str], token: str = CASEWORKER_TOKEN) -> bool:
    """Whether the server's projected answers count every case recorded, granted, with its
    partner registered."""
    with client_for(server.base_url, token) as client:
        counts = client.get("/cases", params={"page_size": 1}).json()["counts"]
        stages = client.get("/reports/caseload").json()["members_per_stage"]
    return (
        sum(counts.values()) == len(cases)
        and counts["awaiting_grant"] == 0
        and stages["registered"] == len(cases)
    )


def _parts(server: Server) -> list[str]:
    """The parts the server's projection workers logged, in order."""
    return PART.findall(server.log(limit=None))


def _has_part(server: Server) -> bool:
    return bool(_parts(server))


def _leader_and_follower(servers: list[Server]) -> tuple[Server, Server]:
    assert eventually(lambda: all(_has_part(s) for s in servers)), "a worker did not take part"
    leaders = [s for s in servers if _parts(s)[-1] == "leading"]
    followers = [s for s in servers if _parts(s)[-1] == "following"]
    assert len(leaders) == 1, [_parts(s) for s in servers]
    assert len(followers) == 1, [_parts(s) for s in servers]
    return leaders[0], followers[0]


@dataclass
class LoadedPair:
    servers: list[Server]
    cases: list[str]


@pytest.fixture(scope="module")
def loaded_pair(
    request: pytest.FixtureRequest, store: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LoadedPair]:
    """Two `nareis serve` on one database after LOAD_SECONDS of commands through both."""
    root = tmp_path_factory.mktemp("two-servers")
    database_url = new_database_url(store, root, request)
    servers = [_server(root, name, database_url) for name in ("first", "second")]
    for server in servers:
        server.start()
    try:
        yield LoadedPair(servers, _load(servers, LOAD_SECONDS))
    finally:
        for server in servers:
            server.stop()


def test_two_servers_on_one_file_under_load_log_no_traceback_and_no_locked_database(
    loaded_pair: LoadedPair,
) -> None:
    loaded_pair.servers[0].wait_until_projected(CATCH_UP_SECONDS)
    assert len(loaded_pair.cases) > 20, "too little load to prove anything"
    for server in loaded_pair.servers:
        log = server.log(limit=None)
        assert "Traceback" not in log, log[-8000:]
        assert "database is locked" not in log, log[-8000:]


def test_both_servers_answer_reads_that_reflect_every_command_once_projections_caught_up(
    loaded_pair: LoadedPair,
) -> None:
    for server in loaded_pair.servers:
        assert eventually(lambda s=server: _reflects(s, loaded_pair.cases), CATCH_UP_SECONDS), (
            f"{server.base_url} does not count the {len(loaded_pair.cases)} cases"
        )


def test_exactly_one_of_two_servers_leads_the_projections_and_the_other_follows(
    loaded_pair: LoadedPair,
) -> None:
    leader, follower = _leader_and_follower(loaded_pair.servers)
    assert _parts(leader) == ["leading"]
    assert _parts(follower) == ["following"]


def _logged_at(server: Server, part: str) -> datetime:
    """When the server's log says its projections took `part` (the line's local time)."""
    line = next(
        line for line in server.log(limit=None).splitlines() if f"projections: {part}" in line
    )
    return datetime.strptime(line[:23], LOG_INSTANT)


def test_when_the_leader_is_killed_the_follower_takes_over_within_a_poll_interval(
    tmp_path: Path,
    store: str,
    request: pytest.FixtureRequest,
) -> None:
    database_url = new_database_url(store, tmp_path, request)
    servers = [_server(tmp_path, name, database_url) for name in ("first", "second")]
    for server in servers:
        server.start()
    try:
        leader, follower = _leader_and_follower(servers)
        before = [_record_one_case(s) for s in servers for _ in range(3)]
        assert leader.process is not None
        killed_at = datetime.now()
        leader.process.send_signal(signal.SIGKILL)
        leader.process.wait(timeout=10)

        assert eventually(lambda: _parts(follower)[-1] == "leading", POLL_SECONDS + 10)
        takeover = (_logged_at(follower, "leading") - killed_at).total_seconds()
        assert takeover < POLL_SECONDS + 1.0, f"took over after {takeover:.2f} s"
        after = [_record_one_case(follower) for _ in range(3)]
        assert eventually(lambda: _reflects(follower, before + after), CATCH_UP_SECONDS)
        assert "Traceback" not in follower.log(limit=None)
    finally:
        for server in servers:
            server.stop()


# --- serve --workers ------------------------------------------------------------------------------------

WORKER_PART = re.compile(r"\[(\d+)\] INFO nareis\.projections projections: (leading|following)")


def _answering_workers(server: Server, status: int) -> set[str]:
    """The worker processes whose request log shows a request under /cases answered `status`."""
    return {
        str(r["pid"])
        for r in server.request_log()
        if (r["route"] or "").startswith("/cases") and r["status"] == status
    }


def test_serve_with_two_workers_accepts_the_printed_token_in_both_and_projects_every_command(
    tmp_path: Path,
    store: str,
    request: pytest.FixtureRequest,
) -> None:
    server = _server(
        tmp_path, "workers", new_database_url(store, tmp_path, request), "--workers", "2"
    )
    server.settings["NAREIS_API_TOKENS"] = ""  # serve generates one token for the run
    server.start()
    try:
        [token] = re.findall(r"caseworker token is: (\S+)", server.log(limit=None))
        cases: list[str] = []
        deadline = time.monotonic() + CATCH_UP_SECONDS
        while len(_answering_workers(server, 201)) < 2:
            assert time.monotonic() < deadline, "one worker answered every command"
            cases.append(_record_one_case(server, token))
        assert eventually(lambda: _reflects(server, cases, token), CATCH_UP_SECONDS)

        parts = dict(WORKER_PART.findall(server.log(limit=None)))
        assert sorted(parts.values()) == ["following", "leading"], parts
        assert not _answering_workers(server, 401)
        assert "Traceback" not in server.log(limit=None)
    finally:
        server.stop()


def test_serve_refuses_several_workers_on_a_memory_database(tmp_path: Path) -> None:
    env = {**os.environ, "NAREIS_DATABASE_URL": "memory://"}
    refused = subprocess.run(
        [NAREIS, "serve", "--workers", "2"], env=env, capture_output=True, text=True, timeout=60
    )
    assert refused.returncode == 2
    assert "memory://" in refused.stderr
    assert "Traceback" not in refused.stderr


# --- nareis project ----------------------------------------------------------------------------------


def _project(server: Server, *args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "NAREIS_DATABASE_URL": server.database_url}
    with (server.workdir / "project.log").open("wb") as log:
        return subprocess.Popen(
            [NAREIS, "project", *args], env=env, stdout=log, stderr=subprocess.STDOUT
        )


def _project_log(server: Server) -> str:
    return (server.workdir / "project.log").read_text(errors="replace")


def test_nareis_project_waits_its_turn_while_a_server_leads_and_takes_over_when_it_stops(
    tmp_path: Path,
    store: str,
    request: pytest.FixtureRequest,
) -> None:
    server = _server(tmp_path, "serve", new_database_url(store, tmp_path, request))
    server.start()
    projector = None
    try:
        assert eventually(lambda: _parts(server) == ["leading"])
        projector = _project(server)
        assert eventually(lambda: "waiting my turn" in _project_log(server), CATCH_UP_SECONDS)

        server.stop()
        assert eventually(lambda: "projections: leading" in _project_log(server), 10)
        server.settings["NAREIS_PROJECTIONS"] = "external"  # from now on, projections elsewhere
        server.start()
        cases = [_record_one_case(server) for _ in range(3)]
        assert eventually(lambda: _reflects(server, cases), CATCH_UP_SECONDS)
    finally:
        server.stop()
        if projector is not None:
            projector.terminate()
            assert projector.wait(timeout=30) == 0
    assert "Traceback" not in _project_log(server)


def test_nareis_project_once_while_a_server_leads_ends_when_the_leader_has_projected_every_event(
    tmp_path: Path,
    store: str,
    request: pytest.FixtureRequest,
) -> None:
    server = _server(tmp_path, "serve", new_database_url(store, tmp_path, request))
    server.start()
    try:
        assert eventually(lambda: _parts(server) == ["leading"])
        _record_one_case(server)
        projector = _project(server, "--once")
        assert projector.wait(timeout=CATCH_UP_SECONDS) == 0
        assert "has projected every event" in _project_log(server)
    finally:
        server.stop()


# --- waking the leader on PostgreSQL -----------------------------------------------------------------


def test_on_postgresql_a_command_through_the_follower_wakes_the_leader_long_before_its_poll(
    tmp_path: Path, postgres_cluster: PostgresServer
) -> None:
    """The library NOTIFYs each commit of events; the leader listens (infrastructure/wakeups.py).
    With a poll of a minute, only that wake-up can project the follower's command in time."""
    database_url = postgres_cluster.new_database()
    servers = [
        _server(tmp_path, name, database_url, NAREIS_PROJECTION_POLL_SECONDS="60")
        for name in ("first", "second")
    ]
    for server in servers:
        server.start()
    try:
        leader, follower = _leader_and_follower(servers)
        cases = [_record_one_case(follower)]
        assert eventually(lambda: _reflects(leader, cases), 20), "the leader slept until its poll"
        assert "Traceback" not in leader.log(limit=None) + follower.log(limit=None)
    finally:
        for server in servers:
            server.stop()
