"""A case erased with `nareis erase` beside a running server (with an encryption key, on each
store): its views and commands answer 410 `case-erased` with when, by whom and why; its history
keeps every other fact; the reports still count it."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.e2e.support import (
    ENCRYPTION_KEY,
    NAREIS,
    Api,
    Server,
    assert_problem,
    partner_body,
)

REASON = "retention period ended on 2031-01-01"
SPONSOR_NAME, MEMBER_NAME = "Amanuel Berhe-Kidane", "Luwam Berhe-Kidane"


def erase(server: Server, case_id: str, *options: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "NAREIS_DATABASE_URL": server.database_url,
        "NAREIS_ENCRYPTION_KEY": ENCRYPTION_KEY,
    }
    return subprocess.run(
        [NAREIS, "erase", case_id, *options], env=env, capture_output=True, text=True, timeout=120
    )


@dataclass(frozen=True)
class Erased:
    case_id: str
    member_id: str
    history_before: list[dict[str, Any]]
    caseload_before: dict[str, Any]
    counts_before: dict[str, int]


@pytest.fixture(scope="module")
def erased(encrypted_server: Server) -> Iterator[Erased]:
    """A case with a granted partner, erased by `olga` after the reports were read."""
    api = Api(encrypted_server)
    case_id, member_id = api.valid_case(member=partner_body(name=MEMBER_NAME), complete=True)
    api.command(
        case_id,
        "/sponsor-permit",
        {
            "granted_on": "2025-12-01",
            "permit_kind": "independent",
            "correction_reason": "date misread",
        },
    )
    api.grant_member(case_id, member_id)
    encrypted_server.wait_until_projected()
    history = api.history(case_id)
    caseload = api.cw.get("/reports/caseload", params={"as_of": "2026-04-01"}).json()
    counts = api.cw.get("/reports/deadlines", params={"as_of": "2026-04-01"}).json()["counts"]
    done = erase(encrypted_server, case_id, "--reason", REASON, "--actor", "olga")
    assert done.returncode == 0, done.stderr
    encrypted_server.wait_until_projected()
    yield Erased(case_id, member_id, history, caseload, counts)
    api.close()


@pytest.fixture
def api(encrypted_server: Server) -> Iterator[Api]:
    conversation = Api(encrypted_server)
    yield conversation
    conversation.close()


@pytest.mark.parametrize("view", ["", "/deadline", "/eligibility"])
def test_the_case_and_its_views_answer_410_case_erased_saying_when_by_whom_and_why(
    erased: Erased, api: Api, view: str
):
    for client in (api.cw, api.au):
        for params in ({}, {"known_at": erased.history_before[-1]["recorded_at"]}):
            body = assert_problem(
                client.get(f"/cases/{erased.case_id}{view}", params=params), 410, code="case-erased"
            )
            assert body["erased_by"] == "olga" and body["erasure_reason"] == REASON
            assert body["erased_at"] > erased.history_before[-1]["recorded_at"]
            assert "olga" in body["detail"] and REASON in body["detail"]


def test_a_command_on_an_erased_case_answers_410_and_records_nothing(erased: Erased, api: Api):
    events = api.server.event_count()
    document = {"received_on": "2026-03-01", "kind": "other", "official": True}
    refused = api.cw.post(
        f"/cases/{erased.case_id}/members/{erased.member_id}/documents", json=document
    )
    assert_problem(refused, 410, code="case-erased")
    correction = {
        "granted_on": "2025-12-02",
        "permit_kind": "independent",
        "correction_reason": "x",
    }
    assert_problem(
        api.cw.post(f"/cases/{erased.case_id}/sponsor-permit", json=correction),
        410,
        code="case-erased",
    )
    assert api.server.event_count() == events


def test_the_history_keeps_every_fact_but_the_personal_ones_which_it_shows_erased(
    erased: Erased, api: Api
):
    history = api.history(erased.case_id, api.au)
    *facts, erasure = history
    assert (erasure["event"], erasure["actor"], erasure["data"]) == (
        "CaseErased",
        "olga",
        {"erasure_reason": REASON},
    )
    assert [(e["version"], e["event"], e["recorded_at"], e["actor"]) for e in facts] == [
        (e["version"], e["event"], e["recorded_at"], e["actor"]) for e in erased.history_before
    ]
    opened = facts[0]
    assert opened["erased"] == ["v_number", "name", "born_on"]
    assert opened["data"]["name"] is None and opened["data"]["arrived_on"] == "2025-05-28"
    correction = next(e for e in facts if e["event"] == "SponsorPermitGrantCorrected")
    assert correction["changes"] == {
        "old": {"granted_on": "2025-11-30"},
        "new": {"granted_on": "2025-12-01"},
    }
    assert correction["reason"] is None and correction["erased"] == ["correction_reason"]
    decision = next(e for e in facts if e["event"] == "DecisionTaken")
    assert decision["data"]["outcome"] == "granted" and decision["ground_not_supported"] is None
    assert SPONSOR_NAME not in str(history) and MEMBER_NAME not in str(history)


def test_the_reports_still_count_the_erased_case_and_list_it_without_a_name(
    erased: Erased, api: Api
):
    caseload = api.cw.get("/reports/caseload", params={"as_of": "2026-04-01"}).json()
    assert caseload == erased.caseload_before
    counts = api.cw.get("/reports/deadlines", params={"as_of": "2026-04-01"}).json()["counts"]
    assert counts == erased.counts_before
    listed = api.cw.get("/cases", params={"page_size": 1000}).json()["cases"]
    [case] = [c for c in listed if c["case_id"] == erased.case_id]
    assert case["sponsor_name"] is None and case["status"] == "expired"


def test_the_openapi_document_names_410_where_a_case_can_be_gone(
    encrypted_server: Server, api: Api
):
    paths = api.cw.get("/openapi.json").json()["paths"]
    for path, method in (
        ("/cases/{case_id}", "get"),
        ("/cases/{case_id}/eligibility", "get"),
        ("/cases/{case_id}/sponsor-permit", "post"),
        ("/cases/{case_id}/members/{member_id}/documents", "post"),
    ):
        assert "410" in paths[path][method]["responses"], (path, method)
    assert "410" not in paths["/cases/{case_id}/history"]["get"]["responses"]
