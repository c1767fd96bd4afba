"""Every route of the served OpenAPI document, walked with no token, a wrong token and the
auditor's (API.md, "Conventions"): 401, 401, and for the auditor 403 on every command and an
answer (2xx, or a 4xx that is neither 401 nor 403) on every read. Nothing is recorded."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.e2e.support import (
    ALL_COMMANDS,
    AUDITOR_TOKEN,
    Api,
    Server,
    assert_problem,
    client_for,
)

WRONG_TOKEN = "not-a-token-of-this-server"  # long enough to be a token, known to no one
COMMAND_BODIES = {(c.method, c.path): c.body for c in ALL_COMMANDS}


@pytest.fixture(scope="module")
def operations(server: Server) -> list[tuple[str, str, dict[str, Any]]]:
    spec = httpx.get(f"{server.base_url}/openapi.json").json()
    return [
        (method.upper(), path, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
    ]


@pytest.fixture(scope="module")
def case_with_member(module_api: Api) -> tuple[str, str]:
    return module_api.valid_case()


def _request(
    client: httpx.Client, method: str, path: str, target: tuple[str, str]
) -> httpx.Response:
    case_id, member_id = target
    url = path.format(case_id=case_id, member_id=member_id)
    body = COMMAND_BODIES.get((method, path))
    return (
        client.request(method, url, json=body) if body is not None else client.request(method, url)
    )


def test_the_walk_covers_every_command_and_read_and_only_health_is_open(operations) -> None:
    guarded = [(m, p) for m, p, op in operations if op.get("security")]
    assert [(m, p) for m, p, op in operations if not op.get("security")] == [("GET", "/health")]
    commands = [(m, p) for m, p in guarded if m != "GET"]
    assert sorted(commands) == sorted(COMMAND_BODIES)
    assert len(guarded) == 20 and len(commands) == 13


def test_every_route_answers_401_without_a_token_and_with_a_wrong_one_and_records_nothing(
    server: Server, api: Api, case_with_member: tuple[str, str], operations
) -> None:
    walked = 0
    with (
        client_for(server.base_url) as anonymous,
        client_for(server.base_url, WRONG_TOKEN) as stranger,
        api.nothing_recorded(case_with_member[0]),
    ):
        for method, path, operation in operations:
            for client in (anonymous, stranger):
                response = _request(client, method, path, case_with_member)
                walked += 1
                if operation.get("security"):
                    assert_problem(response, 401, code="401")
                    assert response.headers["WWW-Authenticate"].startswith("Bearer")
                else:
                    assert response.status_code == 200, (method, path)
    assert walked == 2 * len(operations)


def test_the_auditor_is_refused_every_command_and_answered_every_read(
    server: Server, api: Api, case_with_member: tuple[str, str], operations
) -> None:
    with (
        client_for(server.base_url, AUDITOR_TOKEN) as auditor,
        api.nothing_recorded(case_with_member[0]),
    ):
        for method, path, _ in operations:
            response = _request(auditor, method, path, case_with_member)
            if method == "GET":
                assert response.status_code < 500 and response.status_code not in (401, 403), (
                    method,
                    path,
                    response.text,
                )
                assert response.status_code < 300 or response.status_code >= 400
            else:
                assert_problem(response, 403, code="403")
