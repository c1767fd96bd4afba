"""`GET /cases/{case_id}` as of a business date (API.md: every GET under `/cases` takes `as_of`),
and the history as of a date keeps the facts without a business date (DOMAIN.md, "Rules")."""

from __future__ import annotations

import pytest

from tests.e2e.support import Api, assert_problem


def test_the_case_as_of_a_date_leaves_out_an_application_submitted_after_it(api: Api) -> None:
    case_id, member_id = api.valid_case(applied=False)
    api.apply(case_id, member_id, "2026-03-01")

    before = api.cw.get(f"/cases/{case_id}", params={"as_of": "2026-02-01"})
    assert before.status_code == 200, before.text
    [member] = before.json()["members"]
    assert before.json()["as_of"] == "2026-02-01"
    assert member["application"] is None
    after = api.cw.get(f"/cases/{case_id}", params={"as_of": "2026-03-01"}).json()
    assert after["members"][0]["application"]["submitted_on"] == "2026-03-01"
    assert after["version"] == before.json()["version"]


@pytest.mark.parametrize("as_of", ["not-a-date", "2026-02-30", "2026-3-01", ""])
def test_the_case_with_an_as_of_that_is_not_a_date_is_422(api: Api, as_of: str) -> None:
    case_id = api.open_case()
    response = api.cw.get(f"/cases/{case_id}", params={"as_of": as_of})
    assert_problem(response, 422, field="as_of", code="invalid-input")


def test_the_history_as_of_a_date_before_the_sponsor_arrived_keeps_the_case_opening(
    api: Api,
) -> None:
    case_id = api.open_case(arrived_on="2025-05-28")
    api.register(case_id)
    response = api.cw.get(f"/cases/{case_id}/history", params={"as_of": "2025-01-01"})
    assert response.status_code == 200, response.text
    assert [e["event"] for e in response.json()] == ["CaseOpened", "FamilyMemberRegistered"]
