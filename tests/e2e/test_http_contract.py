"""What the OpenAPI document says is what the server does: each path answers OPTIONS (and a 405)
with its real methods, the command headers' patterns are the ones enforced, every command's answer
is typed, and a created case has a `Location`."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.e2e.support import (
    Api,
    Server,
    assert_command_answer,
    assert_problem,
    client_for,
    sponsor_body,
)

OPEN_PATHS = {"/health", "/openapi.json"}


@pytest.fixture(scope="module")
def spec(server: Server) -> dict[str, Any]:
    return httpx.get(f"{server.base_url}/openapi.json").json()


def _concrete(path: str) -> str:
    return path.replace("{case_id}", "some-case").replace("{member_id}", "some-member")


def test_options_on_cases_answers_allow_get_and_post(api: Api) -> None:
    response = api.au.options("/cases")
    assert response.status_code == 204, response.text
    assert response.headers["Allow"] == "GET, POST"


def test_every_path_of_the_document_answers_options_with_the_methods_the_document_lists(
    api: Api, spec: dict[str, Any]
) -> None:
    for path, operations in spec["paths"].items():
        response = api.au.options(_concrete(path))
        assert response.status_code == 204, (path, response.text)
        expected = sorted(method.upper() for method in operations)
        assert response.headers["Allow"].split(", ") == expected, path


def test_options_needs_a_token_except_on_the_open_paths(server: Server, spec: dict) -> None:
    with client_for(server.base_url) as anonymous:
        for path in spec["paths"]:
            response = anonymous.options(_concrete(path))
            if path in OPEN_PATHS:
                assert response.status_code == 204, path
            else:
                assert_problem(response, 401, code="401")


@pytest.mark.parametrize("method", ["DELETE", "PATCH", "PUT"])
def test_a_method_a_path_does_not_have_is_405_naming_all_the_methods_it_has(
    api: Api, method: str
) -> None:
    response = api.cw.request(method, "/cases")
    assert_problem(response, 405, code="405")
    assert response.headers["Allow"] == "GET, POST"


def _command_operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
        if method in ("post", "put")
    ]


def _header_pattern(operation: dict[str, Any], header: str) -> str:
    [parameter] = [p for p in operation["parameters"] if p["name"].lower() == header.lower()]
    assert parameter["in"] == "header" and parameter["schema"]["type"] == "string"
    return parameter["schema"]["pattern"]


def test_every_command_states_the_if_match_and_idempotency_key_patterns(spec: dict) -> None:
    commands = _command_operations(spec)
    assert len(commands) == 13
    patterns = {
        (_header_pattern(op, "If-Match"), _header_pattern(op, "Idempotency-Key"))
        for _, _, op in commands
    }
    assert len(patterns) == 1, patterns


# (An HTTP client trims spaces around a header value itself, so none is sent here.)
IF_MATCH_VALUES = ["1", '"1"', 'W/"1"', "*", "abc", "-1", "W/1", '"1', "1, 2", "9" * 19, "1 1"]
IDEMPOTENCY_KEYS = ["k", "a" * 200, "a" * 201, "with space", "~!@#$%^&*()", "é", "tab\tinside"]


def test_the_server_accepts_exactly_the_if_match_values_the_document_allows(
    api: Api, spec: dict
) -> None:
    pattern = _header_pattern(spec["paths"]["/cases"]["post"], "If-Match")
    for value in IF_MATCH_VALUES:
        body = {"sponsor": sponsor_body()}
        response = api.cw.post("/cases", json=body, headers={"If-Match": value})
        allowed = re.fullmatch(pattern, value) is not None
        # A new case has no version yet: any well-formed If-Match is answered, never refused.
        assert (response.status_code != 422) == allowed, (value, response.text)
        if not allowed:
            assert_problem(response, 422, "If-Match", code="invalid-if-match")


def test_the_server_accepts_exactly_the_idempotency_keys_the_document_allows(
    api: Api, spec: dict
) -> None:
    pattern = _header_pattern(spec["paths"]["/cases"]["post"], "Idempotency-Key")
    for key in IDEMPOTENCY_KEYS:
        body = {"sponsor": sponsor_body()}
        response = api.cw.post("/cases", json=body, headers={"Idempotency-Key": key.encode()})
        allowed = re.fullmatch(pattern, key) is not None
        assert (response.status_code == 201) == allowed, (key, response.text)
        if not allowed:
            assert_problem(response, 422, "Idempotency-Key", code="invalid-idempotency-key")


def _schema(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def test_every_command_answer_is_a_typed_object_not_a_free_form_one(spec: dict) -> None:
    for method, path, operation in _command_operations(spec):
        [(status, answer)] = [(s, r) for s, r in operation["responses"].items() if s[0] == "2"]
        schema = _schema(spec, answer["content"]["application/json"]["schema"])
        assert schema["type"] == "object" and "additionalProperties" not in schema, path
        assert {"case_id", "version"} <= set(schema["required"]), (method, path)
        assert schema["properties"]["version"]["type"] == "integer"
        assert "ETag" in answer["headers"], (method, path)
        expected = (
            {"case_id", "version", "member_id"} if status == "201" and "members" in path else None
        )
        if expected:
            assert set(schema["required"]) == expected


def test_a_created_case_has_a_location_the_document_states_and_a_get_finds(
    api: Api, spec: dict
) -> None:
    created = spec["paths"]["/cases"]["post"]["responses"]["201"]
    assert "Location" in created["headers"]
    response = api.cw.post("/cases", json={"sponsor": sponsor_body()})
    case_id = assert_command_answer(response, status=201, version=1)["case_id"]
    assert response.headers["Location"] == f"/cases/{case_id}"
    assert api.cw.get(response.headers["Location"]).json()["case_id"] == case_id


def test_text_fields_state_the_typed_text_pattern_and_the_length_counts_spaces_too(
    api: Api, spec: dict
) -> None:
    name = _schema(spec, spec["components"]["schemas"]["SponsorIn"])["properties"]["name"]
    assert name["maxLength"] == 200 and re.fullmatch(name["pattern"], "Amal Haddad")
    assert not re.fullmatch(name["pattern"], "Amal\u202eB") and not re.fullmatch(
        name["pattern"], " "
    )
    # 196 characters of name and 5 spaces: 201 characters as sent, more than the document allows.
    padded = "A" * 196 + " " * 5
    response = api.cw.post("/cases", json={"sponsor": sponsor_body(name=padded)})
    assert_problem(response, 422, "sponsor.name", code="invalid-input")
    assert_command_answer(
        api.cw.post("/cases", json={"sponsor": sponsor_body(name="A" * 195 + " " * 5)}),
        status=201,
    )
