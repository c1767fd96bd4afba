"""Everything lives in the SQLite file: after a restart (SIGTERM, then a new process on the same
file) every case, version, history and idempotent answer is still there."""

from __future__ import annotations

from typing import Any

from tests.e2e.support import (
    SUBMITTED_ON,
    Api,
    Server,
    assert_command_answer,
    assert_problem,
    child_body,
    eventually,
    new_v_number,
    partner_body,
)

AS_OF = "2026-03-05"
DOCUMENT = {"received_on": SUBMITTED_ON, "kind": "sponsor_declaration", "official": True}


def _snapshot(api: Api, case_id: str) -> dict[str, Any]:
    return {
        "case": api.case(case_id),
        "history": api.history(case_id),
        "deadline": api.deadline(case_id, AS_OF),
        "eligibility": api.eligibility(case_id, AS_OF),
    }


def _build_cases(api: Api) -> tuple[list[str], tuple[str, str], dict[str, Any]]:
    """Cases at several stages, one document sent with an Idempotency-Key, and a cross-case pair."""
    only_opened = api.open_case()
    granted, _ = api.valid_case(applied=False)
    busy, member = api.valid_case(complete=True)
    api.register(busy, child_body())
    api.command(
        busy,
        "/sponsor-permit",
        {"granted_on": "2025-12-01", "permit_kind": "independent", "correction_reason": "typo"},
    )
    key = {"Idempotency-Key": "restart-document-1"}
    url = f"/cases/{busy}/members/{member}/documents"
    first = api.cw.post(url, json=DOCUMENT, headers=key)
    assert_command_answer(first, case_id=busy)
    api.command(busy, f"/members/{member}/documents", DOCUMENT)  # a later command

    shared = new_v_number()
    holder_case, holder = api.valid_case(member=partner_body(v_number=shared), complete=True)
    api.grant_member(holder_case, holder)
    api.command(
        holder_case,
        f"/members/{holder}/permit",
        {"issued_on": "2026-03-12", "valid_from": "2026-03-12"},
    )
    sponsor_case = api.open_case(v_number=shared)
    api.grant(sponsor_case)
    sponsor_member = api.register(sponsor_case)
    assert eventually(
        lambda: (
            api.rules_of(sponsor_case, sponsor_member)["sponsor_permit_independent"] == "not_met"
        )
    )
    replay = {
        "url": url,
        "member_id": member,
        "headers": key,
        "status": first.status_code,
        "body": first.json(),
    }
    cases = [only_opened, granted, busy, holder_case, sponsor_case]
    return cases, (sponsor_case, sponsor_member), replay


def _check_survived(
    api: Api,
    before: dict[str, dict[str, Any]],
    cross: tuple[str, str],
    replay: dict[str, Any],
) -> None:
    for case_id, snapshot in before.items():
        assert _snapshot(api, case_id) == snapshot, case_id
    sponsor_case, sponsor_member = cross
    assert api.rules_of(sponsor_case, sponsor_member)["sponsor_permit_independent"] == "not_met"
    busy = replay["body"]["case_id"]
    with api.nothing_recorded(busy):
        again = api.cw.post(replay["url"], json=DOCUMENT, headers=replay["headers"])
        assert (again.status_code, again.json()) == (replay["status"], replay["body"])
        other = DOCUMENT | {"official": False}
        response = api.cw.post(replay["url"], json=other, headers=replay["headers"])
        assert_problem(response, 409, code="idempotency-key-reused")


def test_cases_histories_and_idempotent_answers_survive_restarts(private_server: Server) -> None:
    api = Api(private_server)
    try:
        cases, cross, replay = _build_cases(api)
        before = {case_id: _snapshot(api, case_id) for case_id in cases}
        events = private_server.event_count()
    finally:
        api.close()

    private_server.restart()
    api = Api(private_server)
    try:
        _check_survived(api, before, cross, replay)
        assert private_server.event_count() == events
    finally:
        api.close()

    private_server.restart(new_port=True)
    api = Api(private_server)
    try:
        _check_survived(api, before, cross, replay)
        busy = replay["body"]["case_id"]
        version = before[busy]["case"]["version"]
        answer = api.command(busy, f"/members/{replay['member_id']}/documents", DOCUMENT)
        assert answer["version"] == version + 1
        assert len(api.history(busy)) == version + 1
        new_case = api.open_case()
        assert api.case(new_case)["version"] == 1
    finally:
        api.close()
