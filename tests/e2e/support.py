"""Helpers for the end-to-end suite: a real `nareis serve` process, HTTP clients that remember
every status they saw, request bodies with sensible defaults, and assertions on answers.

Everything here talks to the server over HTTP; the only other look at the server is a read-only
count of the events in its SQLite file, to prove that a refused request recorded nothing anywhere.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from application.projections import ReadModelProjection
from tests.stores import events_table, notification_id_column, sql_rows, tracking_table

NAREIS = Path(sys.executable).parent / "nareis"
# API.md: tokens have at least 16 characters.
CASEWORKER_TOKEN = "cw-token-of-the-e2e-suite"
AUDITOR_TOKEN = "au-token-of-the-e2e-suite"
API_TOKENS = f"{CASEWORKER_TOKEN}=caseworker:alice,{AUDITOR_TOKEN}=auditor:bob"
ENCRYPTION_KEY = base64.b64encode(os.urandom(32)).decode()  # of `encrypted_server`
STARTUP_SECONDS = 60.0  # a deadline: `serve --workers 4` on a busy 2-core machine takes over 20 s
PROBLEM_JSON = "application/problem+json"

# 2025-11-30 + 3 months = Saturday 2026-02-28, so the term ends on Monday 2026-03-02 (DOMAIN.md).
GRANTED_ON = "2025-11-30"
TERM_STARTS_ON = "2025-12-01"
NOMINAL_ENDS_ON = "2026-02-28"
TERM_ENDS_ON = "2026-03-02"
SUBMITTED_ON = "2026-02-27"

RULE_IDS = (
    "sponsor_has_asylum_permit",
    "sponsor_permit_independent",
    "mentioned_in_asylum_procedure",
    "family_bond_abroad",
    "timely",
    "partner_adult",
    "single_partner",
    "partner_relationship",
    "child_belongs_to_family",
    "child_age",
    "parent_of_unaccompanied_minor",
    "no_criminal_record",
    "non_impediment_certificate",
    "custodial_parent_consent",
    "sponsor_declaration",
    "identity_proven",
    "family_ties_proven",
)
# What an adult married partner needs for an `eligible` verdict.
FULL_FILE = (
    "identity_document",
    "family_tie_document",
    "sponsor_declaration",
    "antecedents_certificate",
    "non_impediment_certificate",
)


# --- every answer the suite ever received ----------------------------------------------------------


@dataclass(frozen=True)
class Seen:
    method: str
    url: str
    status: int


SEEN: list[Seen] = []


def _remember(response: httpx.Response) -> None:
    SEEN.append(Seen(response.request.method, str(response.request.url), response.status_code))


# Built once: every httpx client would otherwise load the CA bundle again (slow), just for http.
_TLS = ssl.create_default_context()


def client_for(base_url: str, token: str | None = None, scheme: str = "Bearer") -> httpx.Client:
    """A client whose every answer lands in `SEEN` (the suite fails on any 5xx)."""
    headers = {"Authorization": f"{scheme} {token}"} if token is not None else {}
    return httpx.Client(
        base_url=base_url,
        headers=headers,
        timeout=15,
        verify=_TLS,
        event_hooks={"response": [_remember]},
    )


# --- the server process ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A `nareis serve` subprocess on a database (a SQLite file or a PostgreSQL database);
    `restart()` keeps the database."""

    database_url: str
    workdir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0
    settings: dict[str, str] = field(default_factory=dict)  # more NAREIS_* settings
    args: list[str] = field(default_factory=list)  # more `nareis serve` options, e.g. --workers

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.workdir / f"server-{self.starts}.log"

    def start(self) -> None:
        self.starts += 1
        env = {
            **os.environ,
            "NAREIS_DATABASE_URL": self.database_url,
            "NAREIS_API_TOKENS": API_TOKENS,
            "PYTHONUNBUFFERED": "1",
            **self.settings,
        }
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [str(NAREIS), "serve", "--host", "127.0.0.1", "--port", str(self.port), *self.args],
                cwd=self.workdir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self._wait_until_healthy()

    def _wait_until_healthy(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(
                    f"nareis serve exited with {self.process.returncode} before answering "
                    f"/health:\n{self.log()}"
                )
            try:
                health = httpx.get(f"{self.base_url}/health", timeout=1, verify=_TLS)
                if health.status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.stop()
        pytest.fail(
            f"nareis serve did not answer /health within {STARTUP_SECONDS} s:\n{self.log()}"
        )

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()  # SIGTERM: uvicorn shuts down gracefully
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.process = None

    def restart(self, *, new_port: bool = False) -> None:
        self.stop()
        if new_port:
            self.port = free_port()
        self.start()

    def log(self, since: int = 0, limit: int | None = 8000) -> str:
        """The server's output from byte `since` on (its last `limit` characters)."""
        try:
            with self.log_path.open("rb") as log:
                log.seek(since)
                text = log.read().decode(errors="replace")
                return text if limit is None else text[-limit:]
        except FileNotFoundError:
            return "(no server log)"

    def request_log(self, since: int = 0) -> list[dict[str, Any]]:
        """The server's request log lines (one JSON object each) from byte `since` on."""
        lines = self.log(since, limit=None).splitlines()
        return [json.loads(line) for line in lines if line.startswith('{"time"')]

    def logs_of_every_start(self) -> str:
        return "".join(
            (self.workdir / f"server-{n}.log").read_text(errors="replace")
            for n in range(1, self.starts + 1)
        )

    def log_size(self) -> int:
        try:
            return self.log_path.stat().st_size
        except FileNotFoundError:
            return 0

    def projection_position(self) -> tuple[int, int]:
        """(the read model's tracking position, the last event the read model projects), read
        from the database beside the server."""
        url, topics = self.database_url, ReadModelProjection.topics
        [(last,)] = sql_rows(
            url,
            f"SELECT MAX({notification_id_column(url)}) FROM {events_table(url)} "
            f"WHERE topic IN ({', '.join('?' * len(topics))})",
            tuple(topics),
        )
        tracked = sql_rows(
            url,
            f"SELECT notification_id FROM {tracking_table(url)} WHERE application_name = 'Nareis'",
        )
        return (tracked[0][0] if tracked else 0), (last or 0)

    def wait_until_projected(self, timeout: float | None = None) -> None:
        """Until the read model has applied every event recorded so far (API.md: projections
        "may lag, by at most a few seconds")."""
        timeout = PROJECTION_LAG_SECONDS if timeout is None else timeout
        tracked, last = self.projection_position()
        deadline = time.monotonic() + timeout
        while tracked < last:
            assert time.monotonic() < deadline, (
                f"projected up to {tracked} of {last} in {timeout} s"
            )
            time.sleep(0.02)
            tracked, _ = self.projection_position()

    def event_count(self) -> int:
        """Every event stored, across all cases (read beside the server, which keeps writing)."""
        [(count,)] = sql_rows(
            self.database_url, f"SELECT COUNT(*) FROM {events_table(self.database_url)}"
        )
        return count


# --- request bodies ----------------------------------------------------------------------------------

_v_numbers = itertools.count(7_000_000_001)


def new_v_number() -> str:
    """A V-number no other case in this run uses (the cross-case rule matches on V-numbers)."""
    return str(next(_v_numbers))


def sponsor_body(**overrides: Any) -> dict[str, Any]:
    return {
        "v_number": new_v_number(),
        "name": "Amal",
        "born_on": "1988-03-14",
        "asylum_application_signed_on": "2025-06-02",
        "arrived_on": "2025-05-28",
        "unaccompanied_minor": False,
    } | overrides


def partner_body(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "Samir",
        "born_on": "1987-09-01",
        "relationship": "partner",
        "marital_status": "married",
        "mentioned_in_asylum_procedure": True,
        "family_bond_abroad": True,
    } | overrides


def child_body(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "Lina",
        "born_on": "2015-05-05",
        "relationship": "child",
        "child_of": "sponsor",
        "child_kind": "biological",
        "mentioned_in_asylum_procedure": True,
        "family_bond_abroad": True,
    } | overrides


def parent_body(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "Fatima",
        "born_on": "1960-01-01",
        "relationship": "parent",
        "parent_kind": "biological",
        "mentioned_in_asylum_procedure": True,
        "family_bond_abroad": True,
    } | overrides


PROJECTION_LAG_SECONDS = 5.0


def eventually(check: Callable[[], Any], timeout: float = PROJECTION_LAG_SECONDS) -> Any:
    """Poll `check` until it returns a truthy value, for at most `timeout` seconds (projections
    may lag "by at most a few seconds", API.md)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.1)


def today_in_amsterdam() -> str:
    return datetime.now(ZoneInfo("Europe/Amsterdam")).date().isoformat()


def a_future_day() -> str:
    """A business date surely after the server's today, even across midnight."""
    return (datetime.now(ZoneInfo("Europe/Amsterdam")).date() + timedelta(days=3)).isoformat()


# --- assertions ----------------------------------------------------------------------------------------


PROBLEM_TYPE = "urn:nareis:problem:"


def assert_problem(
    response: httpx.Response, status: int, field: str | None = None, *, code: str
) -> dict:
    """An RFC 9457 problem with `status` and the type of its reason, `code` (each refusal reason
    has its own); for 422 also `errors`, naming `field` if given."""
    assert response.status_code == status, (response.status_code, response.text[:2000])
    assert response.headers["content-type"].startswith(PROBLEM_JSON), response.headers
    body = response.json()
    assert isinstance(body, dict), body
    for key in ("type", "title", "detail"):
        assert isinstance(body.get(key), str), (key, body)
        assert body[key], (key, body)
    assert body["status"] == status, body
    assert body["type"] == PROBLEM_TYPE + code, body
    # Every answer has a request id, and a problem names it so that a caseworker can quote it.
    assert body.get("request_id") == response.headers["X-Request-Id"], body
    if status == 422:
        errors = body.get("errors")
        assert isinstance(errors, list), body
        assert errors, body
        for error in errors:
            assert isinstance(error.get("field"), str), error
            assert isinstance(error.get("message"), str), error
            assert error["message"], error
        if field is not None:
            assert field in [e["field"] for e in errors], body
    return body


def assert_command_answer(
    response: httpx.Response,
    *,
    status: int = 200,
    case_id: str | None = None,
    version: int | None = None,
    creates_member: bool = False,
) -> dict:
    """`{"case_id", "version"}` (+ `member_id` when a member is created) and `ETag: "VERSION"`."""
    assert response.status_code == status, (response.status_code, response.text[:2000])
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert isinstance(body["case_id"], str), body
    assert body["case_id"]
    assert isinstance(body["version"], int), body
    assert response.headers["ETag"] == f'"{body["version"]}"'
    assert response.headers["X-Request-Id"]
    if case_id is not None:
        assert body["case_id"] == case_id
    if version is not None:
        assert body["version"] == version
    if creates_member:
        assert isinstance(body["member_id"], str), body
        assert body["member_id"]
    else:
        assert body.get("member_id") is None, body
    return body


# --- a caseworker's conversation with the API ----------------------------------------------------------


@dataclass(frozen=True)
class CaseState:
    version: int
    history_length: int
    events_in_store: int


class Api:
    """A caseworker and an auditor client on one server, with the steps most tests need."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.cw = client_for(server.base_url, CASEWORKER_TOKEN)
        self.au = client_for(server.base_url, AUDITOR_TOKEN)

    def close(self) -> None:
        self.cw.close()
        self.au.close()

    def open_case(self, **sponsor: Any) -> str:
        response = self.cw.post("/cases", json={"sponsor": sponsor_body(**sponsor)})
        return assert_command_answer(response, status=201, version=1)["case_id"]

    def grant(self, case_id: str, granted_on: str = GRANTED_ON, kind: str = "independent") -> dict:
        response = self.cw.post(
            f"/cases/{case_id}/sponsor-permit", json={"granted_on": granted_on, "permit_kind": kind}
        )
        return assert_command_answer(response, case_id=case_id)

    def register(self, case_id: str, body: dict[str, Any] | None = None) -> str:
        response = self.cw.post(f"/cases/{case_id}/members", json=body or partner_body())
        return assert_command_answer(response, status=201, case_id=case_id, creates_member=True)[
            "member_id"
        ]

    def command(self, case_id: str, path: str, body: dict[str, Any]) -> dict:
        response = self.cw.post(f"/cases/{case_id}{path}", json=body)
        return assert_command_answer(response, case_id=case_id)

    def apply(self, case_id: str, member_id: str, submitted_on: str = SUBMITTED_ON) -> dict:
        return self.command(
            case_id,
            f"/members/{member_id}/application",
            {"submitted_on": submitted_on, "channel": "mvv_abroad"},
        )

    def complete_file(self, case_id: str, member_id: str, received_on: str = SUBMITTED_ON) -> None:
        for kind in FULL_FILE:
            self.command(
                case_id,
                f"/members/{member_id}/documents",
                {"received_on": received_on, "kind": kind, "official": True},
            )

    def grant_member(self, case_id: str, member_id: str, decided_on: str = "2026-03-10") -> dict:
        return self.command(
            case_id,
            f"/members/{member_id}/decision",
            {"decided_on": decided_on, "outcome": "granted", "grounds": []},
        )

    def valid_case(
        self, *, member: dict[str, Any] | None = None, applied: bool = True, complete: bool = False
    ) -> tuple[str, str]:
        """A case with a grant on 2025-11-30 and one member (a married partner by default)."""
        case_id = self.open_case()
        self.grant(case_id)
        member_id = self.register(case_id, member)
        if applied:
            self.apply(case_id, member_id)
        if complete:
            self.complete_file(case_id, member_id)
        return case_id, member_id

    def case(self, case_id: str, client: httpx.Client | None = None) -> dict:
        response = (client or self.cw).get(f"/cases/{case_id}")
        assert response.status_code == 200, response.text
        return response.json()

    def history(self, case_id: str, client: httpx.Client | None = None) -> list[dict]:
        response = (client or self.cw).get(f"/cases/{case_id}/history")
        assert response.status_code == 200, response.text
        return response.json()

    def eligibility(self, case_id: str, as_of: str | None = None) -> dict:
        params = {"as_of": as_of} if as_of else {}
        response = self.cw.get(f"/cases/{case_id}/eligibility", params=params)
        assert response.status_code == 200, response.text
        return response.json()

    def deadline(self, case_id: str, as_of: str | None = None) -> dict:
        params = {"as_of": as_of} if as_of else {}
        response = self.cw.get(f"/cases/{case_id}/deadline", params=params)
        assert response.status_code == 200, response.text
        return response.json()

    def member(self, case_id: str, member_id: str) -> dict:
        return next(m for m in self.case(case_id)["members"] if m["member_id"] == member_id)

    def state(self, case_id: str | None) -> CaseState:
        if case_id is None:
            return CaseState(0, 0, self.server.event_count())
        return CaseState(
            self.case(case_id)["version"],
            len(self.history(case_id)),
            self.server.event_count(),
        )

    @contextmanager
    def nothing_recorded(self, case_id: str | None = None) -> Iterator[None]:
        """The block records nothing: not in this case (version, history), not anywhere in the store.

        A case's history has one entry per version, so the history length before is the version."""
        version = self.case(case_id)["version"] if case_id is not None else 0
        events = self.server.event_count()
        yield
        if case_id is not None:
            assert self.case(case_id)["version"] == version
            assert len(self.history(case_id)) == version
        assert self.server.event_count() == events

    def rules_of(self, case_id: str, member_id: str, as_of: str | None = None) -> dict[str, str]:
        answer = self.eligibility(case_id, as_of)
        member = next(m for m in answer["members"] if m["member_id"] == member_id)
        return {rule["id"]: rule["outcome"] for rule in member["rules"]}


# --- every command endpoint of API.md, with a valid body ------------------------------------------------


@dataclass(frozen=True)
class Command:
    name: str
    method: str
    path: str  # with {case_id} and {member_id}
    body: dict[str, Any]

    def url(self, case_id: str, member_id: str) -> str:
        return self.path.format(case_id=case_id, member_id=member_id)


MEMBER_COMMANDS = (
    Command(
        "correct member",
        "PUT",
        "/cases/{case_id}/members/{member_id}",
        partner_body(name="Samir B.", correction_reason="spelling"),
    ),
    Command(
        "arrival",
        "POST",
        "/cases/{case_id}/members/{member_id}/arrival",
        {"arrived_on": "2026-03-20"},
    ),
    Command(
        "application",
        "POST",
        "/cases/{case_id}/members/{member_id}/application",
        {
            "submitted_on": SUBMITTED_ON,
            "channel": "in_netherlands",
        },
    ),
    Command(
        "document",
        "POST",
        "/cases/{case_id}/members/{member_id}/documents",
        {
            "received_on": SUBMITTED_ON,
            "kind": "identity_document",
            "official": True,
        },
    ),
    Command(
        "assessment",
        "POST",
        "/cases/{case_id}/members/{member_id}/assessments",
        {
            "assessed_on": SUBMITTED_ON,
            "criterion": "identity_established",
            "outcome": "met",
            "note": "passport checked",
        },
    ),
    Command(
        "decision",
        "POST",
        "/cases/{case_id}/members/{member_id}/decision",
        {
            "decided_on": "2026-03-10",
            "outcome": "refused",
            "grounds": ["identity_proven"],
        },
    ),
    Command(
        "permit",
        "POST",
        "/cases/{case_id}/members/{member_id}/permit",
        {
            "issued_on": "2026-03-12",
            "valid_from": "2026-03-10",
        },
    ),
    Command(
        "withdrawal",
        "POST",
        "/cases/{case_id}/members/{member_id}/withdrawal",
        {
            "withdrawn_on": "2026-03-01",
            "reason": "no longer comes",
        },
    ),
    Command(
        "decision period extension",
        "POST",
        "/cases/{case_id}/members/{member_id}/decision-period-extension",
        {"extended_on": "2026-03-01", "reason": "investigation abroad"},
    ),
)
CASE_COMMANDS = (
    Command(
        "correct sponsor",
        "PUT",
        "/cases/{case_id}/sponsor",
        sponsor_body(v_number="7999999999", name="Amal B.", correction_reason="spelling"),
    ),
    Command(
        "sponsor permit",
        "POST",
        "/cases/{case_id}/sponsor-permit",
        {
            "granted_on": GRANTED_ON,
            "permit_kind": "independent",
        },
    ),
    Command("register member", "POST", "/cases/{case_id}/members", partner_body()),
)
OPEN_CASE = Command("open case", "POST", "/cases", {"sponsor": sponsor_body(v_number="7999999998")})
ALL_COMMANDS = (OPEN_CASE, *CASE_COMMANDS, *MEMBER_COMMANDS)


_MISSING = "<missing>"


def shaped_like(actual: Any, expected: Any) -> Any:
    """`actual` cut down to the keys of `expected` (recursively): answers may carry more fields than
    a test is about, so tests compare `shaped_like(actual, expected) == expected`."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        return {k: shaped_like(actual.get(k, _MISSING), v) for k, v in expected.items()}
    if isinstance(expected, list) and isinstance(actual, list) and len(actual) == len(expected):
        return [shaped_like(a, e) for a, e in zip(actual, expected, strict=True)]
    return actual


def assert_has(actual: Any, expected: Any) -> None:
    assert shaped_like(actual, expected) == expected
