"""The request log and the request id: one JSON line per request, with the method, the route's
template, the status, the duration and the request id, and never a token, a query value or a
person's name or V-number; every answer carries `X-Request-Id`."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
import pytest

from tests.e2e.support import (
    AUDITOR_TOKEN,
    CASEWORKER_TOKEN,
    Api,
    Server,
    assert_problem,
    client_for,
    partner_body,
    sponsor_body,
)


def _log_lines_of(server: Server, since: int, request_ids: set[str]) -> dict[str, dict[str, Any]]:
    """The request log lines written since byte `since` for `request_ids`, by id (the server
    writes a line once it has answered, so wait a moment for the last)."""
    deadline = time.monotonic() + 5
    while True:
        lines = server.request_log(since)
        found = {r["request_id"]: r for r in lines if r["request_id"] in request_ids}
        if set(found) == request_ids or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def _id() -> str:
    return f"test-{uuid.uuid4()}"


def test_every_request_is_one_json_log_line_with_its_route_status_duration_and_id(
    api: Api, server: Server
) -> None:
    since = server.log_size()
    opened, read, missing = _id(), _id(), _id()
    body = {"sponsor": sponsor_body(name="Amal Haddad")}
    case = api.cw.post("/cases", json=body, headers={"X-Request-Id": opened}).json()
    api.cw.get(f"/cases/{case['case_id']}", headers={"X-Request-Id": read})
    api.cw.get("/no/such/path", headers={"X-Request-Id": missing})
    lines = _log_lines_of(server, since, {opened, read, missing})
    assert lines[opened] | {"duration_ms": 0, "time": "", "pid": 0} == {
        "time": "",
        "pid": 0,
        "request_id": opened,
        "method": "POST",
        "route": "/cases",
        "status": 201,
        "duration_ms": 0,
    }
    assert isinstance(lines[opened]["duration_ms"], float) and lines[opened]["duration_ms"] >= 0
    assert lines[read]["route"] == "/cases/{case_id}" and lines[read]["status"] == 200
    assert lines[read]["case_id"] == case["case_id"]
    assert lines[missing]["route"] is None and lines[missing]["status"] == 404


def test_no_log_line_holds_a_token_a_query_value_a_name_or_a_v_number(
    api: Api, server: Server
) -> None:
    since = server.log_size()
    name, v_number = "Zainab Qasim-Unique", "7123456789"
    case_id = api.open_case(name=name, v_number=v_number)
    api.register(case_id, partner_body(name="Yusuf Qasim-Unique", v_number="7123456788"))
    # A client that puts a token (or a name) in the query string: the old access log printed it.
    with client_for(server.base_url) as anonymous:
        anonymous.get(f"/cases/{case_id}", params={"access_token": CASEWORKER_TOKEN})
    api.au.get(
        f"/cases/{case_id}", params={"token": AUDITOR_TOKEN, "name": name, "as_of": "2026-01-02"}
    )
    api.cw.get("/cases", params={"q": v_number})
    time.sleep(0.3)  # the last line is written once the answer is sent
    log = server.log(since, limit=None)
    assert case_id in log  # the log does see these requests
    for secret in (CASEWORKER_TOKEN, AUDITOR_TOKEN, name, "Qasim", v_number, "7123456788"):
        assert secret not in log, (secret, log[-3000:])
    assert "2026-01-02" not in log and "?" not in log


@pytest.mark.parametrize(
    "request_id", ["0f8fa5e2-8d7e-4e4b-9a55-3a1d2c1b0a99", "01HZX3J9K7", "trace.a:b_c-d"]
)
def test_a_well_formed_request_id_from_the_client_is_kept(api: Api, request_id: str) -> None:
    response = api.cw.get("/cases/unknown-case", headers={"X-Request-Id": request_id})
    assert response.headers["X-Request-Id"] == request_id
    assert assert_problem(response, 404, code="case-not-found")["request_id"] == request_id


@pytest.mark.parametrize(
    "request_id",
    ["", "has space", "a" * 129, '{"json": 1}', "-leading-dash", "naïve"],
    ids=["empty", "space", "too-long", "json", "leading-dash", "non-ascii"],
)
def test_a_malformed_request_id_is_replaced_by_a_new_one(server: Server, request_id: str) -> None:
    with client_for(server.base_url, CASEWORKER_TOKEN) as client:
        response = client.get(
            "/cases/unknown-case", headers={"X-Request-Id": request_id.encode("utf-8")}
        )
    given = response.headers["X-Request-Id"]
    assert given != request_id and uuid.UUID(given)
    assert_problem(response, 404, code="case-not-found")


def test_every_answer_carries_a_request_id_and_every_problem_names_it(
    server: Server, api: Api
) -> None:
    case_id = api.open_case()
    with client_for(server.base_url) as anonymous:
        answers = [
            anonymous.get("/health"),
            anonymous.get("/openapi.json"),
            anonymous.get(f"/cases/{case_id}"),  # 401
            api.cw.get(f"/cases/{case_id}"),
            api.cw.post(f"/cases/{case_id}/sponsor-permit", json={"granted_on": "2025-11-30"}),
            api.au.post("/cases", json={}),  # 403
            api.cw.delete("/cases"),  # 405
            api.cw.post("/cases", content=b"x" * 1_000_001),  # 413
        ]
    ids = [response.headers.get("X-Request-Id") for response in answers]
    assert all(ids) and len(set(ids)) == len(ids), ids
    for response in answers:
        if response.headers["content-type"].startswith("application/problem+json"):
            assert response.json()["request_id"] == response.headers["X-Request-Id"]
    assert [r.status_code for r in answers] == [200, 200, 401, 200, 422, 403, 405, 413]


def test_the_problem_schema_documents_the_request_id(server: Server) -> None:
    spec = httpx.get(f"{server.base_url}/openapi.json").json()
    problem = spec["components"]["schemas"]["ProblemOut"]
    assert "request_id" in problem["required"]
