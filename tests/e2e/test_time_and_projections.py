"""The cross-case rule `sponsor_permit_independent` (from a projection, API.md: "may lag, by at most a
few seconds"), `known_at` and `as_of` (DOMAIN.md, "Time"), and extreme but well-formed inputs."""

from __future__ import annotations

import pytest

from tests.e2e.support import (
    CASEWORKER_TOKEN,
    Api,
    assert_has,
    assert_problem,
    client_for,
    eventually,
    new_v_number,
    partner_body,
)


def _get_status(api: Api, path: str, params: dict[str, str]) -> tuple[int, str]:
    # A fresh connection per request: a 5xx must not hide behind a connection the server closed.
    with client_for(api.server.base_url, CASEWORKER_TOKEN) as client:
        response = client.get(path, params=params)
        return response.status_code, response.text[:300]


# --- the cross-case rule ---------------------------------------------------------------------------------


def test_a_dependent_permit_in_one_case_makes_that_sponsor_not_independent_in_another(
    api: Api,
) -> None:
    shared = new_v_number()
    case_b = api.open_case(v_number=shared)
    api.grant(case_b)
    member_b = api.register(case_b)
    assert api.rules_of(case_b, member_b)["sponsor_permit_independent"] == "met"

    case_a, member_a = api.valid_case(member=partner_body(v_number=shared), complete=True)
    api.grant_member(case_a, member_a, "2026-03-10")
    api.command(
        case_a,
        f"/members/{member_a}/permit",
        {"issued_on": "2026-03-12", "valid_from": "2026-03-10"},
    )

    outcome = eventually(
        lambda: api.rules_of(case_b, member_b)["sponsor_permit_independent"] == "not_met"
    )
    assert outcome, "sponsor_permit_independent did not become not_met within 5 s"
    [member] = api.eligibility(case_b)["members"]
    assert member["overall"] == "ineligible"
    rule = next(r for r in member["rules"] if r["id"] == "sponsor_permit_independent")
    assert rule["reason"].strip()
    # Only facts dated on or before as_of count: the permit was issued on 2026-03-12.
    assert api.rules_of(case_b, member_b, "2026-03-11")["sponsor_permit_independent"] == "met"
    assert api.rules_of(case_b, member_b, "2026-03-12")["sponsor_permit_independent"] == "not_met"


def test_a_sponsor_who_holds_a_dependent_permit_cannot_have_a_member_granted(api: Api) -> None:
    shared = new_v_number()
    case_a, member_a = api.valid_case(member=partner_body(v_number=shared), complete=True)
    api.grant_member(case_a, member_a, "2026-03-10")
    api.command(
        case_a,
        f"/members/{member_a}/permit",
        {"issued_on": "2026-03-12", "valid_from": "2026-03-12"},
    )
    # DOMAIN.md: such a sponsor can still have a case opened and a grant recorded.
    case_b = api.open_case(v_number=shared)
    api.grant(case_b)
    member_b = api.register(case_b)
    api.apply(case_b, member_b, "2026-02-27")
    api.complete_file(case_b, member_b)
    assert eventually(
        lambda: api.rules_of(case_b, member_b)["sponsor_permit_independent"] == "not_met"
    )
    with api.nothing_recorded(case_b):
        response = api.cw.post(
            f"/cases/{case_b}/members/{member_b}/decision",
            json={"decided_on": "2026-03-20", "outcome": "granted"},
        )
        problem = assert_problem(response, 409, code="not-eligible")
        assert "sponsor_permit_independent" in problem["detail"]


def test_a_member_registered_with_the_v_number_later_does_not_matter_without_a_permit(
    api: Api,
) -> None:
    shared = new_v_number()
    case_b = api.open_case(v_number=shared)
    api.grant(case_b)
    member_b = api.register(case_b)
    api.valid_case(member=partner_body(v_number=shared), complete=True)
    api.server.wait_until_projected()  # the member is in the read model, without a permit
    assert api.rules_of(case_b, member_b)["sponsor_permit_independent"] == "met"


# --- known_at -------------------------------------------------------------------------------------------


def test_known_at_answers_what_the_system_knew_before_a_correction(api: Api) -> None:
    case_id = api.open_case()
    api.grant(case_id, "2025-11-30")
    member_id = api.register(case_id)
    known = api.history(case_id)[-1]["recorded_at"]
    api.command(
        case_id,
        "/sponsor-permit",
        {"granted_on": "2026-01-15", "permit_kind": "independent", "correction_reason": "typo"},
    )
    params = {"known_at": known}

    then = api.cw.get(f"/cases/{case_id}", params=params)
    assert then.status_code == 200
    assert then.json()["version"] == 3
    assert_has(then.json()["sponsor_permit"], {"granted_on": "2025-11-30"})
    assert api.case(case_id)["sponsor_permit"]["granted_on"] == "2026-01-15"

    deadline = api.cw.get(f"/cases/{case_id}/deadline", params=params | {"as_of": "2026-02-01"})
    assert deadline.json()["term_ends_on"] == "2026-03-02"
    assert api.deadline(case_id, "2026-02-01")["term_ends_on"] == "2026-04-15"

    history = api.cw.get(f"/cases/{case_id}/history", params=params).json()
    assert [e["version"] for e in history] == [1, 2, 3]
    assert len(api.history(case_id)) == 4

    eligibility = api.cw.get(
        f"/cases/{case_id}/eligibility", params=params | {"as_of": "2026-02-01"}
    )
    assert [m["member_id"] for m in eligibility.json()["members"]] == [member_id]


@pytest.mark.parametrize("query", ["", "/deadline", "/eligibility", "/history"])
def test_a_case_known_at_an_instant_before_it_was_opened_is_404(api: Api, query: str) -> None:
    case_id = api.open_case()
    response = api.cw.get(f"/cases/{case_id}{query}", params={"known_at": "2020-01-01T00:00:00Z"})
    assert_problem(response, 404, code="case-not-found")


@pytest.mark.parametrize("query", ["", "/deadline", "/eligibility", "/history"])
@pytest.mark.parametrize(
    "known_at",
    [
        "yesterday",
        "2026-03-01",
        "2026-03-01T09:30:00",
        "2026-02-30T09:30:00Z",
        "2026-03-01T25:00:00Z",
        "2026-03-01T09:30:00+25:00",
        "1772357400",
        "",
    ],
    ids=[
        "a-word",
        "a-date",
        "no-time-zone",
        "30-february",
        "hour-25",
        "offset-25-hours",
        "unix-seconds",
        "empty",
    ],
)
def test_a_known_at_that_is_not_an_rfc3339_instant_is_422(
    api: Api, query: str, known_at: str
) -> None:
    case_id = api.open_case()
    response = api.cw.get(f"/cases/{case_id}{query}", params={"known_at": known_at})
    assert_problem(response, 422, "known_at", code="invalid-input")


# --- extreme but well-formed values never give a 5xx ------------------------------------------------------


@pytest.fixture(scope="module")
def rich_case(module_api: Api) -> str:
    """A case with a grant, an application, an extension, a decision and a permit."""
    api = module_api
    case_id, member_id = api.valid_case(complete=True)
    api.command(
        case_id,
        f"/members/{member_id}/decision-period-extension",
        {"extended_on": "2026-03-01", "reason": "investigation"},
    )
    api.grant_member(case_id, member_id, "2026-03-10")
    api.command(
        case_id,
        f"/members/{member_id}/permit",
        {"issued_on": "2026-03-12", "valid_from": "2026-03-10"},
    )
    return case_id


@pytest.mark.parametrize("query", ["", "/deadline", "/eligibility", "/history"])
@pytest.mark.parametrize(
    ("known_at", "status"),
    [
        ("9999-12-31T23:59:59Z", 200),  # after every event: the case as known now
        ("9999-12-31T23:59:59-14:00", 422),  # in year 10000 in UTC: not an instant we can hold
        ("0001-01-01T00:00:00Z", 404),  # before the case was opened
        ("0001-01-01T00:00:00+14:00", 422),  # in year 0 in UTC
        ("2026-03-01T09:30:00.123456+05:30", 404),  # the case was opened after it
    ],
    ids=["last-utc-instant", "last-instant-west", "first-instant", "first-instant-east", "micros"],
)
def test_an_extreme_known_at_answers_what_was_known_then_or_422_never_a_5xx(
    api: Api, rich_case: str, query: str, known_at: str, status: int
) -> None:
    answer, text = _get_status(api, f"/cases/{rich_case}{query}", {"known_at": known_at})
    assert answer == status, text


def test_the_reports_as_known_at_the_last_utc_instant_answer_like_known_now(
    api: Api, rich_case: str
) -> None:
    api.server.wait_until_projected()
    last = {"known_at": "9999-12-31T23:59:59Z", "as_of": "2026-03-20"}
    for path in ("/reports/deadlines", "/reports/caseload", "/cases"):
        then = api.au.get(path, params=last).json()
        now = api.au.get(path, params={"as_of": "2026-03-20"}).json()
        assert {k: v for k, v in then.items() if k != "known_at"} == {
            k: v for k, v in now.items() if k != "known_at"
        }, path


@pytest.mark.parametrize("query", ["/deadline", "/eligibility"])
@pytest.mark.parametrize("as_of", ["0001-01-01", "1900-02-28", "2028-02-29", "9999-12-31"])
def test_an_extreme_as_of_answers_200(api: Api, rich_case: str, query: str, as_of: str) -> None:
    status, text = _get_status(api, f"/cases/{rich_case}{query}", {"as_of": as_of})
    assert status == 200, (status, text)


@pytest.mark.parametrize(
    "valid_from", ["9999-12-31", "9995-01-01"], ids=["last-day", "five-years-before-the-end"]
)
def test_a_permit_valid_from_the_far_future_never_breaks_reading_the_case(
    api: Api, valid_from: str
) -> None:
    case_id, member_id = api.valid_case(complete=True)
    api.grant_member(case_id, member_id, "2026-03-10")
    with client_for(api.server.base_url, CASEWORKER_TOKEN) as client:
        response = client.post(
            f"/cases/{case_id}/members/{member_id}/permit",
            json={"issued_on": "2026-03-12", "valid_from": valid_from},
        )
    # DOMAIN.md, Settled questions: a permit whose valid_from is after today is refused.
    body = assert_problem(response, 409, code="future-business-date")
    assert "valid_from" in body["detail"]
    statuses = {
        query: _get_status(api, f"/cases/{case_id}{query}", {})
        for query in ("", "/deadline", "/eligibility", "/history")
    }
    assert {q: s for q, (s, _) in statuses.items()} == dict.fromkeys(statuses, 200), statuses


def test_the_earliest_plausible_dates_are_accepted_and_answered_on_any_date(api: Api) -> None:
    # DOMAIN.md "Settled questions": birth dates from 1900-01-01, other dates from 2001-04-01.
    case_id = api.open_case(
        born_on="1900-01-01", asylum_application_signed_on="2001-04-01", arrived_on="2001-04-01"
    )
    api.grant(case_id, "2001-04-01")
    member_id = api.register(case_id, partner_body(born_on="1900-01-01"))
    api.apply(case_id, member_id, "2001-04-02")
    for query in ("", "/deadline", "/eligibility", "/history"):
        for as_of in ("0001-01-01", "2001-04-01", "2001-04-02"):
            status, text = _get_status(api, f"/cases/{case_id}{query}", {"as_of": as_of})
            assert status == 200, (query, as_of, status, text)
