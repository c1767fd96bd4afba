"""`GET /cases`, `/reports/deadlines` and `/reports/caseload` over HTTP: they come from the read
model (API.md: may lag "by at most a few seconds"), take `as_of` and `known_at`, and page."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.e2e.support import Api, assert_problem, client_for, eventually

REPORTS = ("/cases", "/reports/deadlines", "/reports/caseload")


def listed_status(api: Api, case_id: str, **params: str) -> str | None:
    page = 1
    while page:
        body = api.au.get("/cases", params={**params, "page": page, "page_size": 1000}).json()
        for case in body["cases"]:
            if case["case_id"] == case_id:
                return case["status"]
        page = body["next"]
    return None


def test_a_new_case_appears_in_the_listing_with_its_deadline_status_within_seconds(api: Api):
    case_id = api.open_case()
    api.grant(case_id)  # granted 2025-11-30: the term ends Monday 2026-03-02
    assert eventually(lambda: listed_status(api, case_id, as_of="2026-03-02") == "open")
    assert listed_status(api, case_id, as_of="2026-03-03") == "expired"
    assert listed_status(api, case_id, as_of="2025-11-29") == "awaiting_grant"
    open_cases = api.au.get(
        "/cases",
        params={"as_of": "2026-03-02", "status": "open", "days_left": 0, "page_size": 1000},
    ).json()
    assert case_id in {c["case_id"] for c in open_cases["cases"]}
    assert all(c["status"] == "open" and c["days_left"] == 0 for c in open_cases["cases"])


def test_known_at_before_a_case_existed_leaves_it_out_of_every_report(api: Api):
    before = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    case_id = api.open_case()
    assert eventually(lambda: listed_status(api, case_id) == "awaiting_grant")
    assert listed_status(api, case_id, known_at=before) is None


def test_the_deadline_report_counts_every_case_and_pages_the_list(api: Api):
    for _ in range(3):
        api.grant(api.open_case())
    response = api.au.get("/reports/deadlines", params={"as_of": "2026-01-15", "page_size": 2})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"as_of", "known_at", "counts", "cases", "next", "next_after"}
    assert set(body["counts"]) == {"awaiting_grant", "open", "expired"}
    assert body["as_of"] == "2026-01-15" and body["known_at"] is None
    assert len(body["cases"]) == 2 and body["next"] == 2
    assert set(body["cases"][0]) == {"case_id", "status", "term_ends_on", "days_left"}
    second = api.au.get(
        "/reports/deadlines", params={"as_of": "2026-01-15", "page_size": 2, "page": 2}
    ).json()
    assert {c["case_id"] for c in second["cases"]}.isdisjoint(c["case_id"] for c in body["cases"])


@pytest.mark.parametrize("path", ["/cases", "/reports/deadlines"])
def test_a_page_after_the_cursor_of_the_page_before_is_the_next_page_by_number(api: Api, path: str):
    for _ in range(3):
        api.grant(api.open_case())
    api.server.wait_until_projected()  # the counts on both pages are then the same
    params = {"as_of": "2026-01-15", "page_size": 2}
    first = api.au.get(path, params=params).json()
    assert first["next"] == 2 and first["next_after"]
    by_number = api.au.get(path, params={**params, "page": 2}).json()
    by_cursor = api.au.get(path, params={**params, "page": 2, "after": first["next_after"]})
    assert by_cursor.status_code == 200 and by_cursor.json() == by_number
    last = api.au.get(path, params={**params, "page": 10_000}).json()
    assert last["cases"] == [] and last["next"] is None and last["next_after"] is None


@pytest.mark.parametrize("cursor", ["x", "not a cursor", "MjAyNi0wMS0wMQ", "fA", "=" * 8])
def test_a_cursor_the_api_did_not_give_is_refused_as_invalid_input(api: Api, cursor: str):
    response = api.au.get("/reports/deadlines", params={"after": cursor})
    assert_problem(response, 422, "after", code="invalid-input")


def test_the_caseload_report_counts_members_per_stage_and_the_figures(api: Api):
    case_id, member_id = api.valid_case(complete=True)
    api.grant_member(case_id, member_id)

    def caseload() -> dict:
        return api.au.get("/reports/caseload", params={"as_of": "2026-11-28"}).json()

    before = caseload()
    api.command(
        case_id,
        f"/members/{member_id}/permit",
        {"issued_on": "2026-03-12", "valid_from": "2026-03-10"},
    )
    after = eventually(
        lambda: (c := caseload())["permits"]["issued"] > before["permits"]["issued"] and c
    )
    assert after["permits"]["within_target"] == before["permits"]["within_target"] + 1
    assert set(after["members_per_stage"]) == {
        "registered",
        "applied",
        "granted",
        "refused",
        "withdrawn",
        "permit_issued",
    }
    assert set(after["applications"]) == {"timely", "late"}
    assert isinstance(after["overdue_decisions"], int)


@pytest.mark.parametrize("path", REPORTS)
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"as_of": "2026-02-30"}, "as_of"),
        ({"as_of": "1700000000"}, "as_of"),
        ({"known_at": "yesterday"}, "known_at"),
        ({"known_at": "2026-03-01T09:30:00"}, "known_at"),
    ],
    ids=["impossible-date", "timestamp-as-date", "word-as-instant", "instant-without-zone"],
)
def test_reports_refuse_bad_dates_and_instants(api: Api, path: str, params: dict, field: str):
    assert_problem(api.au.get(path, params=params), 422, field, code="invalid-input")


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/cases", {"status": "closed"}, "status"),
        ("/cases", {"stage": "pending"}, "stage"),
        ("/cases", {"route": "fast"}, "route"),
        ("/cases", {"days_left": "-1"}, "days_left"),
        ("/cases", {"page": "0"}, "page"),
        ("/reports/deadlines", {"page_size": "1001"}, "page_size"),
        ("/reports/deadlines", {"page": "two"}, "page"),
    ],
    ids=[
        "unknown-status",
        "unknown-stage",
        "unknown-route",
        "negative-days-left",
        "page-0",
        "page-size-over-1000",
        "page-not-a-number",
    ],
)
def test_listing_filters_and_pages_are_checked(api: Api, path: str, params: dict, field: str):
    code = "value-not-in-list" if field in ("status", "stage", "route") else "invalid-input"
    assert_problem(api.au.get(path, params=params), 422, field, code=code)


@pytest.mark.parametrize("path", REPORTS)
def test_reports_need_a_token_and_any_role_may_read_them(api: Api, path: str):
    with client_for(api.server.base_url) as anonymous:
        assert_problem(anonymous.get(path), 401, code="401")
    assert api.au.get(path).status_code == 200
    assert api.cw.get(path).status_code == 200
