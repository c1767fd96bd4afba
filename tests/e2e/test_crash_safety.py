"""Crash safety (issue 10): a real `nareis serve` under load, killed with SIGKILL at random points
(every process of it, `--workers 2` on every other start), restarted on the same database, on
each store.

CLIENTS threads send commands all the time: they open cases, register members and record
assessments, on cases of their own and on a few cases all share; half of the commands carry an
Idempotency-Key and some an If-Match of the version just read. Every command carries a token of
its own in its body (the sponsor's or member's name, the assessment's note), so the store shows
where each command went, and how often. A client whose connection breaks sends a keyed command
again, with the same key and body, once the server is back; an unkeyed one it leaves (its outcome
is unknown: recorded at most once). After each restart the test sends again a sample of the
keyed commands already answered, which must get their first answer.

Then, from the store, as served: every acknowledged command (2xx) is in its case's history
exactly once, at the version it was answered with; nothing answered 4xx or 5xx is recorded; no
command is recorded twice; and `nareis replay --verify` (the read model and every derived view
against a rebuild from the events) exits 0.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.support import (
    CASEWORKER_TOKEN,
    NAREIS,
    STARTUP_SECONDS,
    SUBMITTED_ON,
    Server,
    child_body,
    sponsor_body,
)
from tests.stores import new_database_url

SEED = 10
CLIENTS = 6
KILLS = 5
SHARED_CASES = 3
ACKNOWLEDGED_BETWEEN_KILLS = (60, 180)  # drawn at random for each kill
SEGMENT_SECONDS = 60.0  # a deadline, never a wait: the load reaches its count well before
KEYED, WITH_IF_MATCH = 0.5, 0.3  # shares of the commands
OPENS, REGISTRATIONS = 0.06, 0.06  # shares of the commands; the rest are assessments
MEMBERS_PER_CASE = 8
RETRIED_AFTER_A_RESTART = 60  # keyed commands sent again after each restart (the latest first)


# --- what the clients sent and what they were told ------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int | None  # None: no answer (the connection broke, the server was gone)
    body: Any = None
    start: int = 0  # the server start that answered

    @property
    def acknowledged(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass
class Command:
    token: str  # in the body, found in the history of the case it was recorded in
    kind: str  # "open", "register" or "assess"
    path: str
    body: dict[str, Any]
    key: str | None
    case_id: str | None  # the case it is sent to (None: it opens one)
    with_if_match: bool
    if_match: str | None = None
    answers: list[Answer] = field(default_factory=list)

    @property
    def first_acknowledgement(self) -> Answer | None:
        return next((a for a in self.answers if a.acknowledged), None)

    @property
    def headers(self) -> dict[str, str]:
        headers = {"Idempotency-Key": self.key} if self.key else {}
        return headers | ({"If-Match": self.if_match} if self.if_match else {})


@dataclass
class Load:
    """The commands of all clients, the cases and members they may write to, and the count of
    acknowledged commands the test waits on."""

    server: Server
    up: threading.Event = field(default_factory=threading.Event)
    stop: threading.Event = field(default_factory=threading.Event)
    acknowledged: threading.Condition = field(default_factory=threading.Condition)
    acknowledged_count: int = 0
    commands: list[Command] = field(default_factory=list)
    members: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    shared: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note_answer(self, command: Command, answer: Answer) -> None:
        with self.lock:
            command.answers.append(answer)
            if answer.acknowledged and len([a for a in command.answers if a.acknowledged]) == 1:
                self._learn(command, answer)
        if answer.acknowledged:
            with self.acknowledged:
                self.acknowledged_count += 1
                self.acknowledged.notify_all()

    def _learn(self, command: Command, answer: Answer) -> None:
        if command.kind == "open":
            self.members.setdefault(answer.body["case_id"], [])
        elif command.kind == "register":
            self.members[answer.body["case_id"]].append(answer.body["member_id"])

    def wait_for_acknowledged(self, count: int) -> None:
        with self.acknowledged:
            reached = self.acknowledged.wait_for(
                lambda: self.acknowledged_count >= count or bool(self.problems),
                timeout=SEGMENT_SECONDS,
            )
        assert not self.problems, self.problems
        assert reached, f"{self.acknowledged_count} of {count} commands acknowledged in time"


def _next_command(load: Load, rng: random.Random, client: int, number: int) -> Command:
    token = f"c{client}-{number}"
    key = f"crash-{token}" if rng.random() < KEYED else None
    with load.lock:
        cases = list(load.members.items())
        own = [(c, m) for c, m in cases if c not in load.shared]
        with_members = [(c, m) for c, m in cases if m]
    draw = rng.random()
    if draw < OPENS or not with_members:
        body = {"sponsor": sponsor_body(name=f"Sponsor {token}")}
        return Command(token, "open", "/cases", body, key, None, with_if_match=False)
    with_if_match = rng.random() < WITH_IF_MATCH
    roomy = [c for c, m in own if len(m) < MEMBERS_PER_CASE]
    if draw < OPENS + REGISTRATIONS and roomy:
        case_id = rng.choice(roomy)
        path = f"/cases/{case_id}/members"
        body = child_body(name=f"Member {token}")
        return Command(token, "register", path, body, key, case_id, with_if_match)
    # half of the assessments go to the shared cases, where the clients race each other
    shared = [(c, m) for c, m in with_members if c in load.shared]
    case_id, members = rng.choice(shared if shared and rng.random() < 0.5 else with_members)
    path = f"/cases/{case_id}/members/{rng.choice(members)}/assessments"
    body = {
        "assessed_on": SUBMITTED_ON,
        "criterion": "identity_established",
        "outcome": "met",
        "note": f"note {token}",
    }
    return Command(token, "assess", path, body, key, case_id, with_if_match)


def _send(load: Load, client: httpx.Client, command: Command) -> None:
    """Send `command` until it is answered; a command without a key only once."""
    while not load.stop.is_set() or command.key is not None:
        if not load.up.wait(timeout=STARTUP_SECONDS + SEGMENT_SECONDS):
            load.problems.append("the server was not back in time")
            return
        start = load.server.starts
        try:
            if command.with_if_match and command.if_match is None:
                command.if_match = client.get(f"/cases/{command.case_id}").headers.get("ETag")
            response = client.post(command.path, json=command.body, headers=command.headers)
        except httpx.TransportError:
            load.note_answer(command, Answer(None, start=start))
            if command.key is None:
                return
            continue  # a keyed command is sent again, with its key, once the server is back
        body = (
            response.json() if response.headers.get("content-type", "").endswith("json") else None
        )
        load.note_answer(command, Answer(response.status_code, body, start))
        return


def _client(load: Load, client: int) -> None:
    rng = random.Random(SEED * 100 + client)
    with httpx.Client(
        base_url=load.server.base_url,
        headers={"Authorization": f"Bearer {CASEWORKER_TOKEN}"},
        timeout=15,
    ) as http:
        number = 0
        while not load.stop.is_set():
            number += 1
            command = _next_command(load, rng, client, number)
            with load.lock:
                load.commands.append(command)
            try:
                _send(load, http, command)
            except Exception as error:  # a client that stops must stop the test, not hang it
                load.problems.append(f"client {client}: {error!r}")
                raise


# --- killing every process of the server -------------------------------------------------------------


def _descendants(pid: int) -> list[int]:
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return []
    children: list[int] = []
    for task in tasks:
        try:
            children += [
                int(c) for c in Path(f"/proc/{pid}/task/{task}/children").read_text().split()
            ]
        except FileNotFoundError:
            continue
    return [d for child in children for d in (child, *_descendants(child))]


def _is_gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")  # a zombie holds no socket, no lock, no file


def _kill_everything(server: Server) -> int:
    """SIGKILL the server and every process it started (the workers of `--workers`), as a power
    cut would; the number of processes killed."""
    assert server.process is not None
    processes = [server.process.pid, *_descendants(server.process.pid)]
    for pid in processes:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    server.process.wait(timeout=10)
    server.process = None
    deadline = time.monotonic() + 10
    while not all(_is_gone(pid) for pid in processes):
        assert time.monotonic() < deadline, f"processes still alive after SIGKILL: {processes}"
        time.sleep(0.02)
    return len(processes)


# --- the run ------------------------------------------------------------------------------------------


@dataclass
class CrashRun:
    load: Load
    kills: int
    processes_killed: int
    retried: list[tuple[Command, Answer]]  # keyed commands sent again after a restart
    stored: dict[str, list[tuple[str, int, dict[str, Any]]]]  # token -> (case, version, entry)
    replay: subprocess.CompletedProcess[str]
    load_seconds: float  # from the first command to the last
    seconds: float  # all of it: the load, the restarts, reading the store, replay --verify
    logs: str


def _retry_answered(
    load: Load, http: httpx.Client, rng: random.Random
) -> list[tuple[Command, Answer]]:
    """Send again, with their keys and bodies, keyed commands acknowledged before the restart:
    the latest (answered just before the kill) and some older ones."""
    with load.lock:
        answered = [c for c in load.commands if c.key and c.first_acknowledgement]
    latest = answered[-RETRIED_AFTER_A_RESTART // 2 :]
    older = answered[: -RETRIED_AFTER_A_RESTART // 2]
    chosen = latest + rng.sample(older, min(len(older), RETRIED_AFTER_A_RESTART // 2))
    retried = []
    for command in chosen:
        response = http.post(command.path, json=command.body, headers=command.headers)
        retried.append((command, Answer(response.status_code, response.json())))
    return retried


def _stored(server: Server, http: httpx.Client) -> dict[str, list[tuple[str, int, dict[str, Any]]]]:
    """Where each token is in the store: every case (from the listing, once the read model has
    caught up) and every entry of its history."""
    server.wait_until_projected(timeout=60)
    case_ids, page = [], 1
    while page is not None:
        listing = http.get("/cases", params={"page": page, "page_size": 1000}).json()
        case_ids += [c["case_id"] for c in listing["cases"]]
        page = listing["next"]
    found: dict[str, list[tuple[str, int, dict[str, Any]]]] = defaultdict(list)
    for case_id in case_ids:
        history = http.get(f"/cases/{case_id}/history")
        assert history.status_code == 200, history.text
        for entry in history.json():
            data = entry["data"]
            text = data.get("note") if entry["event"] == "AssessmentRecorded" else data.get("name")
            if isinstance(text, str) and " " in text:
                found[text.split(" ", 1)[1]].append((case_id, entry["version"], entry))
    return found


@pytest.fixture(scope="module")
def crash_run(
    request: pytest.FixtureRequest, store: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[CrashRun]:
    workdir = tmp_path_factory.mktemp("crash-safety")
    server = Server(database_url=new_database_url(store, workdir, request), workdir=workdir)
    rng = random.Random(SEED)
    load = Load(server)
    started = time.monotonic()
    server.start()
    threads = [
        threading.Thread(target=_client, args=(load, n), daemon=True) for n in range(CLIENTS)
    ]
    http = httpx.Client(
        base_url=server.base_url,
        headers={"Authorization": f"Bearer {CASEWORKER_TOKEN}"},
        timeout=15,
    )
    try:
        for _ in range(SHARED_CASES):
            case_id = http.post("/cases", json={"sponsor": sponsor_body()}).json()["case_id"]
            member = http.post(f"/cases/{case_id}/members", json=child_body()).json()
            load.shared.append(case_id)
            load.members[case_id].append(member["member_id"])
        load.up.set()
        load_started = time.monotonic()
        for thread in threads:
            thread.start()
        kills = processes_killed = 0
        retried: list[tuple[Command, Answer]] = []
        for kill in range(KILLS):
            load.wait_for_acknowledged(
                load.acknowledged_count + rng.randint(*ACKNOWLEDGED_BETWEEN_KILLS)
            )
            load.up.clear()
            processes_killed += _kill_everything(server)
            kills += 1
            server.args = ["--workers", "2"] if kill % 2 == 0 else []
            server.start()  # the same database, the same port
            http.close()
            http = httpx.Client(
                base_url=server.base_url,
                headers={"Authorization": f"Bearer {CASEWORKER_TOKEN}"},
                timeout=15,
            )
            retried += _retry_answered(load, http, rng)
            load.up.set()
        load.wait_for_acknowledged(load.acknowledged_count + ACKNOWLEDGED_BETWEEN_KILLS[0])
        load.stop.set()
        for thread in threads:
            thread.join(timeout=SEGMENT_SECONDS)
            assert not thread.is_alive(), "a client did not stop"
        load_seconds = time.monotonic() - load_started
        assert not load.problems, load.problems
        stored = _stored(server, http)
        server.stop()
        replay = subprocess.run(
            [str(NAREIS), "replay", "--verify"],
            cwd=workdir,
            env={**os.environ, "NAREIS_DATABASE_URL": server.database_url},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        yield CrashRun(
            load,
            kills,
            processes_killed,
            retried,
            stored,
            replay,
            load_seconds,
            time.monotonic() - started,
            server.logs_of_every_start(),
        )
    finally:
        load.stop.set()
        load.up.set()
        http.close()
        if server.process is not None:
            _kill_everything(server)


def _where(answer: Answer) -> tuple[str, int]:
    return answer.body["case_id"], answer.body["version"]


def test_every_acknowledged_command_survives_sigkills_exactly_once_and_nothing_else_is_recorded(
    crash_run: CrashRun, report_figures: Callable[..., None]
):
    commands = crash_run.load.commands
    lost, duplicated, misplaced, refused_but_recorded = [], [], [], []
    outcomes: Counter[str] = Counter()
    for command in commands:
        found = crash_run.stored.get(command.token, [])
        if len(found) > 1:
            duplicated.append((command, found))
        first = command.first_acknowledgement
        if first is not None:
            outcomes["acknowledged"] += 1
            acknowledged_at = {_where(a) for a in command.answers if a.acknowledged}
            if not found:
                lost.append(command)
            elif len(acknowledged_at) > 1 or {(c, v) for c, v, _ in found} != acknowledged_at:
                misplaced.append((command, found))
            elif command.kind == "register":
                assert found[0][2]["data"]["member_id"] == first.body["member_id"], command
        elif command.answers[-1].status is not None and (
            command.key is not None or len(command.answers) == 1
        ):
            # Refused: a keyed command is sent again until answered, and the answer to its key
            # would be the first one had that been recorded.
            outcomes[f"refused {command.answers[-1].status}"] += 1
            if found:
                refused_but_recorded.append((command, found))
        else:
            outcomes["unknown (connection lost, not retried)"] += 1
    server_errors = [c for c in commands if any((a.status or 0) >= 500 for a in c.answers)]
    recorded_server_errors = [c for c in server_errors if crash_run.stored.get(c.token)]
    report_figures(
        commands_sent=len(commands),
        commands_acknowledged=outcomes["acknowledged"],
        kills_survived=crash_run.kills,
        processes_killed=crash_run.processes_killed,
        keyed_commands_resent_after_a_restart=len(crash_run.retried),
        keyed_commands_resent_after_a_broken_connection=sum(
            1 for c in commands if c.key and any(a.status is None for a in c.answers)
        ),
        lost=len(lost),
        duplicated=len(duplicated),
        answered_5xx=len(server_errors),
        outcomes=dict(sorted(outcomes.items())),
        seconds_under_load=round(crash_run.load_seconds, 1),
        seconds=round(crash_run.seconds, 1),
    )
    assert crash_run.kills == KILLS
    assert not lost, [c.token for c in lost[:20]]
    assert not duplicated, [(c.token, f) for c, f in duplicated[:5]]
    assert not misplaced, [(c.token, c.answers, f) for c, f in misplaced[:5]]
    assert not refused_but_recorded, [(c.token, c.answers) for c, _ in refused_but_recorded[:5]]
    assert not recorded_server_errors, [(c.token, c.answers) for c in recorded_server_errors[:5]]
    # the load was what it claims: commands of each kind, refusals by If-Match, keys retried
    kinds = Counter(c.kind for c in commands if c.first_acknowledgement)
    assert set(kinds) == {"open", "register", "assess"}, kinds
    assert outcomes["refused 412"] > 0, outcomes


def test_every_key_sent_again_after_a_restart_gets_its_first_answer(crash_run: CrashRun):
    assert len(crash_run.retried) >= KILLS * RETRIED_AFTER_A_RESTART // 2
    for command, again in crash_run.retried:
        first = command.first_acknowledgement
        assert first is not None
        assert (again.status, again.body) == (first.status, first.body), command.token
    # a keyed command whose connection broke was sent again until answered
    for command in crash_run.load.commands:
        if command.key is not None and command.answers:
            assert command.answers[-1].status is not None, command.token
            answered = [a for a in command.answers if a.acknowledged]
            assert len({(a.status, str(a.body)) for a in answered}) <= 1, command.answers


def test_the_read_model_equals_a_rebuild_from_the_events_after_the_kills(crash_run: CrashRun):
    assert crash_run.replay.returncode == 0, crash_run.replay.stdout + crash_run.replay.stderr
    assert "Traceback" not in crash_run.logs, crash_run.logs[-8000:]


def test_the_kills_hit_the_server_while_commands_were_in_flight(crash_run: CrashRun):
    """Each kill broke connections of clients that were waiting for an answer."""
    broken_by_start = Counter(
        a.start for c in crash_run.load.commands for a in c.answers if a.status is None
    )
    assert all(broken_by_start[start] > 0 for start in range(1, KILLS + 1)), broken_by_start
