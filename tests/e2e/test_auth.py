"""Who may call what (API.md, "Conventions"): bearer tokens, the caseworker and auditor roles, and
the only open endpoints."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.e2e.support import (
    ALL_COMMANDS,
    AUDITOR_TOKEN,
    CASEWORKER_TOKEN,
    NAREIS,
    Api,
    Command,
    Server,
    assert_problem,
    client_for,
    free_port,
)

BAD_CREDENTIALS = [
    pytest.param(None, None, id="no-authorization-header"),
    pytest.param("Bearer", "not-a-token", id="unknown-token"),
    pytest.param("Bearer", "", id="empty-bearer-token"),
    pytest.param("Bearer", CASEWORKER_TOKEN + "x", id="token-with-one-character-more"),
    pytest.param("Bearer", CASEWORKER_TOKEN[:-1], id="token-with-one-character-less"),
    pytest.param("Bearer", CASEWORKER_TOKEN.upper(), id="token-in-other-case"),
    pytest.param("Basic", "Y3ctdG9rZW46", id="basic-scheme"),
    pytest.param("Token", CASEWORKER_TOKEN, id="wrong-scheme-with-a-valid-token"),
    pytest.param("", CASEWORKER_TOKEN, id="token-without-scheme"),
]


@pytest.fixture(scope="module")
def case_with_member(module_api: Api) -> tuple[str, str]:
    return module_api.valid_case()


def _raw_client(server: Server, scheme: str | None, token: str | None) -> httpx.Client:
    if scheme is None:
        return client_for(server.base_url)
    client = client_for(server.base_url)
    client.headers["Authorization"] = f"{scheme} {token}".strip()
    return client


@pytest.mark.parametrize(("scheme", "token"), BAD_CREDENTIALS)
def test_a_read_without_valid_credentials_is_401_with_a_bearer_challenge(
    server: Server, api: Api, case_with_member: tuple[str, str], scheme: str, token: str
) -> None:
    case_id, _ = case_with_member
    with _raw_client(server, scheme, token) as client:
        for path in (f"/cases/{case_id}", f"/cases/{case_id}/history", "/cases/unknown"):
            response = client.get(path)
            assert_problem(response, 401, code="401")
            assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(("scheme", "token"), BAD_CREDENTIALS)
def test_a_command_without_valid_credentials_is_401_and_records_nothing(
    server: Server, api: Api, case_with_member: tuple[str, str], scheme: str, token: str
) -> None:
    case_id, member_id = case_with_member
    with _raw_client(server, scheme, token) as client, api.nothing_recorded(case_id):
        for command in ALL_COMMANDS:
            response = client.request(
                command.method, command.url(case_id, member_id), json=command.body
            )
            assert_problem(response, 401, code="401")
            assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("command", ALL_COMMANDS, ids=lambda c: c.name)
def test_an_auditor_may_not_call_any_command(
    api: Api, case_with_member: tuple[str, str], command: Command
) -> None:
    case_id, member_id = case_with_member
    with api.nothing_recorded(case_id):
        response = api.au.request(
            command.method, command.url(case_id, member_id), json=command.body
        )
        assert_problem(response, 403, code="403")


def test_an_auditor_is_refused_even_with_an_idempotency_key_and_a_matching_if_match(
    api: Api, case_with_member: tuple[str, str]
) -> None:
    case_id, member_id = case_with_member
    version = api.case(case_id)["version"]
    with api.nothing_recorded(case_id):
        response = api.au.post(
            f"/cases/{case_id}/members/{member_id}/documents",
            json={"received_on": "2026-02-27", "kind": "other", "official": False},
            headers={"If-Match": str(version), "Idempotency-Key": "auditor-key"},
        )
        assert_problem(response, 403, code="403")


def test_an_auditor_reads_the_case_its_deadline_eligibility_and_history(
    api: Api, case_with_member: tuple[str, str]
) -> None:
    case_id, member_id = case_with_member
    assert api.case(case_id, api.au) == api.case(case_id, api.cw)
    for path in ("deadline", "eligibility"):
        response = api.au.get(f"/cases/{case_id}/{path}", params={"as_of": "2026-01-10"})
        assert response.status_code == 200, response.text
        assert (
            response.json()
            == api.cw.get(f"/cases/{case_id}/{path}", params={"as_of": "2026-01-10"}).json()
        )
    history = api.history(case_id, api.au)
    assert [entry["actor"] for entry in history] == ["alice"] * len(history)
    assert member_id in {m["member_id"] for m in api.case(case_id, api.au)["members"]}


def test_an_auditor_gets_404_for_an_unknown_case_like_anyone_else(api: Api) -> None:
    response = api.au.get("/cases/00000000-0000-4000-8000-000000000000")
    assert_problem(response, 404, code="case-not-found")


@pytest.mark.parametrize("path", ["/health", "/openapi.json", "/docs"])
def test_health_openapi_and_docs_are_open_to_everyone(anonymous: httpx.Client, path: str) -> None:
    response = anonymous.get(path)
    assert response.status_code == 200, response.text


def test_health_answers_ok_without_a_token(anonymous: httpx.Client) -> None:
    response = anonymous.get("/health")
    assert response.json() == {"status": "ok"}


def test_the_open_endpoints_stay_open_even_with_a_bad_token(server: Server) -> None:
    with _raw_client(server, "Bearer", "not-a-token") as client:
        for path in ("/health", "/openapi.json", "/docs"):
            assert client.get(path).status_code == 200


def test_the_openapi_document_describes_every_command_and_query(anonymous: httpx.Client) -> None:
    paths = anonymous.get("/openapi.json").json()["paths"]
    expected = {
        ("post", "/cases"),
        ("put", "/cases/{case_id}/sponsor"),
        ("post", "/cases/{case_id}/sponsor-permit"),
        ("post", "/cases/{case_id}/members"),
        ("put", "/cases/{case_id}/members/{member_id}"),
        ("post", "/cases/{case_id}/members/{member_id}/arrival"),
        ("post", "/cases/{case_id}/members/{member_id}/application"),
        ("post", "/cases/{case_id}/members/{member_id}/documents"),
        ("post", "/cases/{case_id}/members/{member_id}/assessments"),
        ("post", "/cases/{case_id}/members/{member_id}/decision"),
        ("post", "/cases/{case_id}/members/{member_id}/permit"),
        ("post", "/cases/{case_id}/members/{member_id}/withdrawal"),
        ("post", "/cases/{case_id}/members/{member_id}/decision-period-extension"),
        ("get", "/cases/{case_id}"),
        ("get", "/cases/{case_id}/deadline"),
        ("get", "/cases/{case_id}/eligibility"),
        ("get", "/cases/{case_id}/history"),
        ("get", "/cases"),
        ("get", "/reports/deadlines"),
        ("get", "/reports/caseload"),
    }
    described = {(method, path) for path, item in paths.items() for method in item}
    assert expected <= described, expected - described


def test_the_openapi_document_describes_the_problem_answers(anonymous: httpx.Client) -> None:
    spec = anonymous.get("/openapi.json").json()
    command = spec["paths"]["/cases/{case_id}/members/{member_id}/decision"]["post"]["responses"]
    assert {"401", "403", "404", "409", "412", "413", "422"} <= set(command)
    assert "application/problem+json" in command["409"]["content"]
    query = spec["paths"]["/reports/deadlines"]["get"]["responses"]
    assert {"401", "422"} <= set(query)
    assert "HTTPValidationError" not in spec["components"]["schemas"]


# API.md: who may call is decided before the body is read, so a body that is not JSON at all
# tells a caller without a token (or without the role) nothing about what the server parses.
UNREADABLE_BODIES = {
    "malformed-json": b'{"received_on": "2026-02-27", kind: other}',
    "truncated-json": b'{"received_on": "2026-02-2',
    "invalid-utf-8": b'{"kind": "\xff\xfe"}',
    "deeply-nested-json": b"[" * 100_000 + b"]" * 100_000,
    "duplicate-keys": b'{"kind": "other", "kind": "identity_document"}',
}


@pytest.mark.parametrize("body", UNREADABLE_BODIES.values(), ids=UNREADABLE_BODIES.keys())
@pytest.mark.parametrize(("scheme", "token"), BAD_CREDENTIALS[:2])
def test_a_malformed_body_from_a_caller_without_a_known_token_is_401_not_422(
    server: Server,
    api: Api,
    case_with_member: tuple[str, str],
    scheme: str,
    token: str,
    body: bytes,
) -> None:
    case_id, member_id = case_with_member
    with _raw_client(server, scheme, token) as client, api.nothing_recorded(case_id):
        for command in ALL_COMMANDS:
            response = client.request(
                command.method,
                command.url(case_id, member_id),
                content=body,
                headers={"Content-Type": "application/json"},
            )
            assert_problem(response, 401, code="401")


@pytest.mark.parametrize("body", UNREADABLE_BODIES.values(), ids=UNREADABLE_BODIES.keys())
def test_a_malformed_body_from_an_auditor_is_403_not_422(
    api: Api, case_with_member: tuple[str, str], body: bytes
) -> None:
    case_id, member_id = case_with_member
    with api.nothing_recorded(case_id):
        for command in ALL_COMMANDS:
            response = api.au.request(
                command.method,
                command.url(case_id, member_id),
                content=body,
                headers={"Content-Type": "application/json"},
            )
            assert_problem(response, 403, code="403")


REFUSED_AT_START = {
    "one-character-token": ("x", "x=caseworker:alice"),
    "15-character-token": ("fifteen-chars-1", "fifteen-chars-1=caseworker:alice"),
    "reversed-entry": ("s3cret-0123456789", "caseworker:alice=s3cret-0123456789"),
    "unknown-role": ("s3cret-0123456789", "s3cret-0123456789=admin:alice"),
}


@pytest.mark.parametrize(("token", "tokens"), REFUSED_AT_START.values(), ids=REFUSED_AT_START)
def test_serve_refuses_a_short_or_malformed_token_in_one_line_without_printing_it(
    tmp_path: Path, token: str, tokens: str
) -> None:
    env = {
        **os.environ,
        "NAREIS_DATABASE_URL": f"sqlite:///{tmp_path / 'nareis.db'}",
        "NAREIS_API_TOKENS": f"{AUDITOR_TOKEN}=auditor:bob,{tokens}",
    }
    started = subprocess.run(
        [str(NAREIS), "serve", "--port", str(free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert started.returncode == 2, started.stderr
    assert started.stdout == ""
    [line] = started.stderr.splitlines()
    assert line.startswith("nareis: NAREIS_API_TOKENS entry 2 of 2"), line
    assert token[:3] not in line.removeprefix("nareis: NAREIS_API_TOKENS"), line
    assert not (tmp_path / "nareis.db").exists()  # refused before the database is opened
