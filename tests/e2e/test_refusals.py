"""Commands that cannot be done: 404 for unknown cases and members, 409 for commands that make no
sense (DOMAIN.md), 412 for a stale If-Match; and Idempotency-Key replays (API.md, "Conventions").
Every refusal records nothing."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from tests.e2e.support import (
    CASE_COMMANDS,
    CASEWORKER_TOKEN,
    MEMBER_COMMANDS,
    SUBMITTED_ON,
    Api,
    Command,
    a_future_day,
    assert_command_answer,
    assert_problem,
    child_body,
    client_for,
    partner_body,
    sponsor_body,
    today_in_amsterdam,
)

UNKNOWN_CASE_IDS = {
    "random-uuid": "00000000-0000-4000-8000-000000000000",
    "not-a-uuid": "not-a-uuid",
    "a-number": "1",
    "uuid-with-a-suffix": "00000000-0000-4000-8000-000000000000x",
    "very-long": "a" * 5000,
    "percent-encoded-space": "%20",
}
UNKNOWN_MEMBER_IDS = {
    "random-uuid": "00000000-0000-4000-8000-000000000000",
    "not-a-uuid": "nope",
    "very-long": "m" * 5000,
}


@pytest.fixture(scope="module")
def target(module_api: Api) -> tuple[str, str]:
    return module_api.valid_case()


@pytest.fixture(scope="module")
def child_target(module_api: Api) -> tuple[str, str]:
    """A case whose member is a child born on 2015-05-05 (a date after which every date is
    plausible, so a fact before the birth is refused for that reason, not as implausible)."""
    return module_api.valid_case(member=child_body(born_on="2015-05-05"), applied=False)


# --- 404 --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case_id", UNKNOWN_CASE_IDS.values(), ids=UNKNOWN_CASE_IDS.keys())
@pytest.mark.parametrize("command", CASE_COMMANDS + MEMBER_COMMANDS, ids=lambda c: c.name)
def test_a_command_on_an_unknown_case_is_404_and_records_nothing(
    api: Api, command: Command, case_id: str
) -> None:
    with api.nothing_recorded():
        response = api.cw.request(
            command.method, command.url(case_id, "some-member"), json=command.body
        )
        assert_problem(response, 404, code="case-not-found")


@pytest.mark.parametrize("case_id", UNKNOWN_CASE_IDS.values(), ids=UNKNOWN_CASE_IDS.keys())
@pytest.mark.parametrize("query", ["", "/deadline", "/eligibility", "/history"])
def test_a_query_on_an_unknown_case_is_404(api: Api, query: str, case_id: str) -> None:
    for client in (api.cw, api.au):
        assert_problem(client.get(f"/cases/{case_id}{query}"), 404, code="case-not-found")


@pytest.mark.parametrize("member_id", UNKNOWN_MEMBER_IDS.values(), ids=UNKNOWN_MEMBER_IDS.keys())
@pytest.mark.parametrize("command", MEMBER_COMMANDS, ids=lambda c: c.name)
def test_a_command_on_an_unknown_member_is_404_and_records_nothing(
    api: Api, target: tuple[str, str], command: Command, member_id: str
) -> None:
    case_id, _ = target
    with api.nothing_recorded(case_id):
        response = api.cw.request(
            command.method, command.url(case_id, member_id), json=command.body
        )
        assert_problem(response, 404, code="member-not-found")


def test_a_member_of_another_case_is_unknown_in_this_case(
    api: Api, target: tuple[str, str]
) -> None:
    case_id, _ = target
    _, other_member = api.valid_case()
    with api.nothing_recorded(case_id):
        response = api.cw.post(
            f"/cases/{case_id}/members/{other_member}/documents",
            json={"received_on": SUBMITTED_ON, "kind": "other", "official": False},
        )
        assert_problem(response, 404, code="member-not-found")


# --- 409: commands that make no sense --------------------------------------------------------------------

Scenario = Callable[[Api], tuple[str, str, dict[str, Any]]]
REFUSED = {"decided_on": "2026-03-10", "outcome": "refused", "grounds": ["identity_proven"]}


def decision_without_application(api: Api) -> tuple[str, str, dict[str, Any]]:
    case_id, member_id = api.valid_case(applied=False)
    return case_id, f"/members/{member_id}/decision", REFUSED


def second_decision(api: Api) -> tuple[str, str, dict[str, Any]]:
    case_id, member_id = api.valid_case()
    api.command(case_id, f"/members/{member_id}/decision", REFUSED)
    return case_id, f"/members/{member_id}/decision", REFUSED | {"decided_on": "2026-03-11"}


def second_decision_granting_after_a_refusal(api: Api) -> tuple[str, str, dict[str, Any]]:
    case_id, member_id = api.valid_case(complete=True)
    api.command(case_id, f"/members/{member_id}/decision", REFUSED)
    return (
        case_id,
        f"/members/{member_id}/decision",
        {"decided_on": "2026-03-11", "outcome": "granted"},
    )


def decision_before_the_application(api: Api) -> tuple[str, str, dict[str, Any]]:
    case_id, member_id = api.valid_case()
    return case_id, f"/members/{member_id}/decision", REFUSED | {"decided_on": "2026-02-26"}


def permit_without_decision(api: Api) -> tuple[str, str, dict[str, Any]]:
    case_id, member_id = api.valid_case(complete=True)
    return (
        case_id,
        f"/members/{member_id}/permit",
        {"issued_on": "2026-03-12", "valid_from": "2026-03-12"},
    )


def permit_after_a_refusal(api: Api) -> tuple[str, str, dict[str, Any]]:
    case_id, member_id = api.valid_case()
    api.command(case_id, f"/members/{member_id}/decision", REFUSED)
    return (
        case_id,
        f"/members/{member_id}/permit",
        {"issued_on": "2026-03-12", "valid_from": "2026-03-12"},
    )


def second_permit(api: Api) -> tuple[str, str, dict[str, Any]]:
    case_id, member_id = api.valid_case(complete=True)
    api.grant_member(case_id, member_id)
    body = {"issued_on": "2026-03-12", "valid_from": "2026-03-12"}
    api.command(case_id, f"/members/{member_id}/permit", body)
    return case_id, f"/members/{member_id}/permit", body


def permit_issued_before_the_decision(api: Api) -> tuple[str, str, dict[str, Any]]:
    case_id, member_id = api.valid_case(complete=True)
    api.grant_member(case_id, member_id, "2026-03-10")
    return (
        case_id,
        f"/members/{member_id}/permit",
        {"issued_on": "2026-03-09", "valid_from": "2026-03-09"},
    )


def second_withdrawal(api: Api) -> tuple[str, str, dict[str, Any]]:
    case_id, member_id = api.valid_case()
    body = {"withdrawn_on": "2026-03-01", "reason": "stays"}
    api.command(case_id, f"/members/{member_id}/withdrawal", body)
    return case_id, f"/members/{member_id}/withdrawal", body | {"withdrawn_on": "2026-03-02"}


def second_extension(api: Api) -> tuple[str, str, dict[str, Any]]:
    case_id, member_id = api.valid_case()
    body = {"extended_on": "2026-03-01", "reason": "investigation"}
    api.command(case_id, f"/members/{member_id}/decision-period-extension", body)
    return case_id, f"/members/{member_id}/decision-period-extension", body


def extension_without_application(api: Api) -> tuple[str, str, dict[str, Any]]:
    case_id, member_id = api.valid_case(applied=False)
    path = f"/members/{member_id}/decision-period-extension"
    return case_id, path, {"extended_on": "2026-03-01", "reason": "investigation"}


def application_after_withdrawal(api: Api) -> tuple[str, str, dict[str, Any]]:
    case_id, member_id = api.valid_case(applied=False)
    api.command(
        case_id,
        f"/members/{member_id}/withdrawal",
        {"withdrawn_on": "2026-02-01", "reason": "stays"},
    )
    return (
        case_id,
        f"/members/{member_id}/application",
        {"submitted_on": SUBMITTED_ON, "channel": "mvv_abroad"},
    )


def decision_after_withdrawal(api: Api) -> tuple[str, str, dict[str, Any]]:
    case_id, member_id = api.valid_case()
    api.command(
        case_id,
        f"/members/{member_id}/withdrawal",
        {"withdrawn_on": "2026-03-01", "reason": "stays"},
    )
    return case_id, f"/members/{member_id}/decision", REFUSED


def granted_decision_on_an_incomplete_file(api: Api) -> tuple[str, str, dict[str, Any]]:
    case_id, member_id = api.valid_case()
    return (
        case_id,
        f"/members/{member_id}/decision",
        {"decided_on": "2026-03-10", "outcome": "granted"},
    )


def granted_decision_on_a_late_application(api: Api) -> tuple[str, str, dict[str, Any]]:
    case_id, member_id = api.valid_case(applied=False)
    api.apply(case_id, member_id, "2026-03-03")
    api.complete_file(case_id, member_id, "2026-03-03")
    return (
        case_id,
        f"/members/{member_id}/decision",
        {"decided_on": "2026-03-10", "outcome": "granted"},
    )


def granted_decision_for_a_sponsor_with_a_dependent_permit(
    api: Api,
) -> tuple[str, str, dict[str, Any]]:
    case_id = api.open_case()
    api.grant(case_id, kind="dependent")
    member_id = api.register(case_id)
    api.apply(case_id, member_id)
    api.complete_file(case_id, member_id)
    return (
        case_id,
        f"/members/{member_id}/decision",
        {"decided_on": "2026-03-10", "outcome": "granted"},
    )


# Each scenario and the problem type of its reason.
REFUSALS: list[tuple[Scenario, str]] = [
    (decision_without_application, "application-missing"),
    (second_decision, "already-decided"),
    (second_decision_granting_after_a_refusal, "already-decided"),
    (decision_before_the_application, "date-before-application"),
    (permit_without_decision, "granted-decision-missing"),
    (permit_after_a_refusal, "granted-decision-missing"),
    (second_permit, "permit-already-issued"),
    (permit_issued_before_the_decision, "permit-before-decision"),
    (second_withdrawal, "already-withdrawn"),
    (second_extension, "decision-period-already-extended"),
    (extension_without_application, "application-missing"),
    (application_after_withdrawal, "member-withdrawn"),
    (decision_after_withdrawal, "member-withdrawn"),
    (granted_decision_on_an_incomplete_file, "not-eligible"),
    (granted_decision_on_a_late_application, "not-eligible"),
    (granted_decision_for_a_sponsor_with_a_dependent_permit, "not-eligible"),
]


@pytest.mark.parametrize(
    ("scenario", "code"), REFUSALS, ids=[s.__name__.replace("_", "-") for s, _ in REFUSALS]
)
def test_a_command_that_makes_no_sense_is_409_with_a_reason_and_records_nothing(
    api: Api, scenario: Scenario, code: str
) -> None:
    case_id, path, body = scenario(api)
    before = api.case(case_id)
    with api.nothing_recorded(case_id):
        response = api.cw.post(f"/cases/{case_id}{path}", json=body)
        problem = assert_problem(response, 409, code=code)
        assert len(problem["detail"]) > 10
    assert api.case(case_id) == before


FUTURE = a_future_day()
CODE_OF_WORD = {
    "future": "future-business-date",
    "born": "date-before-birth",
    "asylum application": "grant-before-asylum-application",
}
MEMBER_DATES = {
    "arrival": ("arrival", {"arrived_on": None}),
    "application": ("application", {"submitted_on": None, "channel": "mvv_abroad"}),
    "document": ("documents", {"received_on": None, "kind": "other", "official": False}),
    "assessment": (
        "assessments",
        {"assessed_on": None, "criterion": "identity_established", "outcome": "met"},
    ),
    "decision": ("decision", {"decided_on": None, "outcome": "refused", "grounds": ["timely"]}),
    "permit-issued-on": ("permit", {"issued_on": None, "valid_from": "2026-03-10"}),
    "withdrawal": ("withdrawal", {"withdrawn_on": None, "reason": "stays"}),
    "extension": ("decision-period-extension", {"extended_on": None, "reason": "investigation"}),
}


def _dated(body: dict[str, Any], day: str) -> dict[str, Any]:
    return {k: (day if v is None else v) for k, v in body.items()}


@pytest.mark.parametrize(("path", "body"), MEMBER_DATES.values(), ids=MEMBER_DATES.keys())
def test_a_member_fact_dated_in_the_future_is_409(
    api: Api, target: tuple[str, str], path: str, body: dict[str, Any]
) -> None:
    case_id, member_id = target
    with api.nothing_recorded(case_id):
        response = api.cw.post(
            f"/cases/{case_id}/members/{member_id}/{path}", json=_dated(body, FUTURE)
        )
        assert "future" in assert_problem(response, 409, code="future-business-date")["detail"]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        *MEMBER_DATES.values(),
        ("permit", {"issued_on": "2026-03-12", "valid_from": None}),
    ],
    ids=[*MEMBER_DATES.keys(), "permit-valid-from"],
)
def test_a_member_fact_dated_before_the_member_was_born_is_409(
    api: Api, child_target: tuple[str, str], path: str, body: dict[str, Any]
) -> None:
    case_id, member_id = child_target  # the child was born on 2015-05-05
    with api.nothing_recorded(case_id):
        response = api.cw.post(
            f"/cases/{case_id}/members/{member_id}/{path}", json=_dated(body, "2015-05-04")
        )
        assert "born" in assert_problem(response, 409, code="date-before-birth")["detail"]


MINOR_SPONSOR = {"born_on": "2008-01-10", "unaccompanied_minor": True}


@pytest.mark.parametrize(
    ("sponsor", "word"),
    [
        pytest.param({"born_on": FUTURE}, "future", id="born-in-the-future"),
        pytest.param(
            {"arrived_on": FUTURE, "asylum_application_signed_on": FUTURE},
            "future",
            id="arrived-and-signed-in-the-future",
        ),
        pytest.param({"asylum_application_signed_on": FUTURE}, "future", id="signed-in-the-future"),
        pytest.param(
            MINOR_SPONSOR | {"arrived_on": "2008-01-09"}, "born", id="arrived-before-birth"
        ),
        pytest.param(
            MINOR_SPONSOR
            | {"arrived_on": "2008-01-08", "asylum_application_signed_on": "2008-01-09"},
            "born",
            id="signed-before-birth",
        ),
    ],
)
def test_opening_a_case_with_an_impossible_sponsor_date_is_409(
    api: Api, sponsor: dict[str, Any], word: str
) -> None:
    with api.nothing_recorded():
        response = api.cw.post("/cases", json={"sponsor": sponsor_body(**sponsor)})
        assert word in assert_problem(response, 409, code=CODE_OF_WORD[word])["detail"]


@pytest.mark.parametrize(
    ("granted_on", "word"),
    [
        pytest.param(FUTURE, "future", id="in-the-future"),
        pytest.param("2025-06-01", "asylum application", id="before-the-asylum-application"),
    ],
)
def test_a_grant_with_an_impossible_date_is_409(api: Api, granted_on: str, word: str) -> None:
    case_id = api.open_case()  # the sponsor signed the asylum application on 2025-06-02
    with api.nothing_recorded(case_id):
        response = api.cw.post(
            f"/cases/{case_id}/sponsor-permit",
            json={"granted_on": granted_on, "permit_kind": "independent"},
        )
        assert word in assert_problem(response, 409, code=CODE_OF_WORD[word])["detail"]


def test_a_grant_on_the_day_the_asylum_application_was_signed_is_accepted(api: Api) -> None:
    case_id = api.open_case()
    api.grant(case_id, "2025-06-02")


def test_a_grant_corrected_to_before_the_asylum_application_is_409(api: Api) -> None:
    case_id = api.open_case()
    api.grant(case_id)
    with api.nothing_recorded(case_id):
        response = api.cw.post(
            f"/cases/{case_id}/sponsor-permit",
            json={
                "granted_on": "2025-06-01",
                "permit_kind": "independent",
                "correction_reason": "date misread",
            },
        )
        assert_problem(response, 409, code="grant-before-asylum-application")


def test_a_sponsor_correction_putting_the_asylum_application_after_the_grant_is_409(
    api: Api,
) -> None:
    case_id = api.open_case()
    api.grant(case_id, "2025-11-30")
    sponsor = api.case(case_id)["sponsor"]
    with api.nothing_recorded(case_id):
        response = api.cw.put(
            f"/cases/{case_id}/sponsor",
            json=sponsor
            | {"asylum_application_signed_on": "2025-12-01", "correction_reason": "misread"},
        )
        problem = assert_problem(response, 409, code="grant-before-asylum-application")
        assert "2025-12-01" in problem["detail"] and "2025-11-30" in problem["detail"]
    corrected = sponsor | {"asylum_application_signed_on": "2025-11-30", "correction_reason": "x"}
    assert_command_answer(api.cw.put(f"/cases/{case_id}/sponsor", json=corrected), case_id=case_id)


def test_registering_a_member_born_in_the_future_is_409(api: Api, target: tuple[str, str]) -> None:
    case_id, _ = target
    with api.nothing_recorded(case_id):
        response = api.cw.post(f"/cases/{case_id}/members", json=child_body(born_on=FUTURE))
        assert_problem(response, 409, code="future-business-date")


def test_correcting_a_birth_date_to_after_a_recorded_fact_is_409(api: Api) -> None:
    case_id, member_id = api.valid_case()  # applied on 2026-02-27
    with api.nothing_recorded(case_id):
        response = api.cw.put(
            f"/cases/{case_id}/members/{member_id}",
            json=partner_body(born_on="2026-02-28", correction_reason="typo"),
        )
        assert_problem(response, 409, code="date-before-birth")


def test_the_51st_family_member_is_422_too_many_members_and_records_nothing(api: Api) -> None:
    case_id = api.open_case()
    for number in range(50):
        api.register(case_id, child_body(name=f"Child {number + 1}"))
    with api.nothing_recorded(case_id):
        response = api.cw.post(f"/cases/{case_id}/members", json=child_body(name="Child 51"))
        problem = assert_problem(response, 422, code="too-many-members")
        assert "50" in problem["detail"]
    assert len(api.case(case_id)["members"]) == 50
    assert len(api.eligibility(case_id)["members"]) == 50


def test_a_business_date_of_today_is_accepted(api: Api) -> None:
    case_id, member_id = api.valid_case()
    api.command(
        case_id,
        f"/members/{member_id}/documents",
        {"received_on": today_in_amsterdam(), "kind": "other", "official": False},
    )


# --- 412: If-Match ---------------------------------------------------------------------------------------

IF_MATCH_FORMS = {"bare": "{}", "quoted": '"{}"', "weak": 'W/"{}"'}
DOCUMENT = {"received_on": SUBMITTED_ON, "kind": "other", "official": False}


@pytest.mark.parametrize("form", IF_MATCH_FORMS.values(), ids=IF_MATCH_FORMS.keys())
def test_an_if_match_with_the_current_version_records_the_command(api: Api, form: str) -> None:
    case_id, member_id = api.valid_case()
    version = api.case(case_id)["version"]
    response = api.cw.post(
        f"/cases/{case_id}/members/{member_id}/documents",
        json=DOCUMENT,
        headers={"If-Match": form.format(version)},
    )
    assert_command_answer(response, case_id=case_id, version=version + 1)


@pytest.mark.parametrize("form", IF_MATCH_FORMS.values(), ids=IF_MATCH_FORMS.keys())
@pytest.mark.parametrize("offset", [-1, -3, +1], ids=["one-behind", "three-behind", "ahead"])
def test_an_if_match_with_another_version_is_412_and_records_nothing(
    api: Api, form: str, offset: int
) -> None:
    case_id, member_id = api.valid_case()
    version = api.case(case_id)["version"]
    with api.nothing_recorded(case_id):
        response = api.cw.post(
            f"/cases/{case_id}/members/{member_id}/documents",
            json=DOCUMENT,
            headers={"If-Match": form.format(version + offset)},
        )
        assert_problem(response, 412, code="version-mismatch")


@pytest.mark.parametrize("command", CASE_COMMANDS + MEMBER_COMMANDS, ids=lambda c: c.name)
def test_every_command_honours_a_stale_if_match(api: Api, command: Command) -> None:
    case_id, member_id = api.valid_case(complete=True)
    with api.nothing_recorded(case_id):
        response = api.cw.request(
            command.method,
            command.url(case_id, member_id),
            json=command.body,
            headers={"If-Match": '"2"'},
        )
        assert_problem(response, 412, code="version-mismatch")


def test_the_etag_of_a_read_is_a_valid_if_match_for_the_next_command(api: Api) -> None:
    case_id, member_id = api.valid_case()
    etag = api.cw.get(f"/cases/{case_id}").headers["ETag"]
    first = api.cw.post(
        f"/cases/{case_id}/members/{member_id}/documents", json=DOCUMENT, headers={"If-Match": etag}
    )
    assert_command_answer(first, case_id=case_id)
    with api.nothing_recorded(case_id):
        second = api.cw.post(
            f"/cases/{case_id}/members/{member_id}/documents",
            json=DOCUMENT,
            headers={"If-Match": etag},
        )
        assert_problem(second, 412, code="version-mismatch")


# --- Idempotency-Key -------------------------------------------------------------------------------------


KEY_REUSED = "idempotency-key-reused"


def _key(name: str) -> dict[str, str]:
    return {"Idempotency-Key": f"{name.replace(' ', '-')}-{uuid.uuid4()}"}


def test_opening_a_case_twice_with_one_key_opens_one_case(api: Api) -> None:
    key, body = _key("open"), {"sponsor": sponsor_body()}
    first = api.cw.post("/cases", json=body, headers=key)
    assert_command_answer(first, status=201, version=1)
    with api.nothing_recorded(first.json()["case_id"]):
        again = api.cw.post("/cases", json=body, headers=key)
        assert (again.status_code, again.json(), again.headers["ETag"]) == (
            first.status_code,
            first.json(),
            first.headers["ETag"],
        )


def test_registering_a_member_twice_with_one_key_registers_one_member(api: Api) -> None:
    case_id, _ = api.valid_case()
    key, body = _key("member"), child_body()
    first = api.cw.post(f"/cases/{case_id}/members", json=body, headers=key)
    answer = assert_command_answer(first, status=201, case_id=case_id, creates_member=True)
    with api.nothing_recorded(case_id):
        again = api.cw.post(f"/cases/{case_id}/members", json=body, headers=key)
        assert again.status_code == 201
        assert again.json() == answer
    assert len(api.case(case_id)["members"]) == 2


@pytest.mark.parametrize("command", MEMBER_COMMANDS, ids=lambda c: c.name)
def test_every_command_replays_its_first_answer_for_the_same_key_and_body(
    api: Api, command: Command
) -> None:
    case_id, member_id = api.valid_case(
        applied=command.name != "application", complete=command.name == "permit"
    )
    if command.name == "permit":
        api.grant_member(case_id, member_id)
    key, body = _key(command.name), command.body
    url = command.url(case_id, member_id)
    first = api.cw.request(command.method, url, json=body, headers=key)
    assert_command_answer(first, case_id=case_id)
    with api.nothing_recorded(case_id):
        again = api.cw.request(command.method, url, json=body, headers=key)
        assert (again.status_code, again.json(), again.headers["ETag"]) == (
            first.status_code,
            first.json(),
            first.headers["ETag"],
        )


def test_the_replay_answers_the_first_version_even_after_later_commands(api: Api) -> None:
    case_id, member_id = api.valid_case()
    key = _key("later")
    url = f"/cases/{case_id}/members/{member_id}/documents"
    first = assert_command_answer(api.cw.post(url, json=DOCUMENT, headers=key), case_id=case_id)
    api.command(case_id, f"/members/{member_id}/documents", DOCUMENT)
    with api.nothing_recorded(case_id):
        again = api.cw.post(url, json=DOCUMENT, headers=key)
        assert again.json() == first
    assert api.case(case_id)["version"] == first["version"] + 1
    assert len(api.member(case_id, member_id)["documents"]) == 2


@pytest.mark.parametrize(
    "other",
    [
        pytest.param({"received_on": "2026-02-28", "kind": "other", "official": False}, id="date"),
        pytest.param({"received_on": SUBMITTED_ON, "kind": "other", "official": True}, id="flag"),
        pytest.param(
            {"received_on": SUBMITTED_ON, "kind": "identity_document", "official": False},
            id="kind",
        ),
    ],
)
def test_the_same_key_with_another_body_is_409_and_records_nothing(
    api: Api, other: dict[str, Any]
) -> None:
    case_id, member_id = api.valid_case()
    key = _key("other-body")
    url = f"/cases/{case_id}/members/{member_id}/documents"
    assert_command_answer(api.cw.post(url, json=DOCUMENT, headers=key), case_id=case_id)
    with api.nothing_recorded(case_id):
        assert_problem(api.cw.post(url, json=other, headers=key), 409, code=KEY_REUSED)


def test_the_same_key_opening_a_case_for_another_sponsor_is_409(api: Api) -> None:
    key = _key("open-other")
    assert_command_answer(
        api.cw.post("/cases", json={"sponsor": sponsor_body()}, headers=key), status=201
    )
    with api.nothing_recorded():
        response = api.cw.post("/cases", json={"sponsor": sponsor_body()}, headers=key)
        assert_problem(response, 409, code=KEY_REUSED)


def test_a_key_used_for_an_identical_resend_replays_that_answer(api: Api) -> None:
    case_id, member_id = api.valid_case()
    key = _key("noop")
    body = {"submitted_on": SUBMITTED_ON, "channel": "mvv_abroad"}
    url = f"/cases/{case_id}/members/{member_id}/application"
    with api.nothing_recorded(case_id):
        first = assert_command_answer(api.cw.post(url, json=body, headers=key), case_id=case_id)
        again = api.cw.post(url, json=body, headers=key)
        assert (again.status_code, again.json()) == (200, first)


def test_a_refused_command_does_not_use_up_its_key(api: Api) -> None:
    case_id, member_id = api.valid_case(applied=False)
    key = _key("refused")
    url = f"/cases/{case_id}/members/{member_id}/decision"
    with api.nothing_recorded(case_id):
        assert_problem(api.cw.post(url, json=REFUSED, headers=key), 409, code="application-missing")
    api.apply(case_id, member_id)
    assert_command_answer(api.cw.post(url, json=REFUSED, headers=key), case_id=case_id)


def test_concurrent_requests_with_one_key_record_one_event_and_share_one_answer(
    api: Api,
) -> None:
    case_id, member_id = api.valid_case()
    key = _key("concurrent")
    url = f"/cases/{case_id}/members/{member_id}/documents"

    def send(_: int) -> tuple[int, Any]:
        with client_for(api.server.base_url, CASEWORKER_TOKEN) as client:
            response = client.post(url, json=DOCUMENT, headers=key)
            return response.status_code, response.json()

    before = api.state(case_id)
    with ThreadPoolExecutor(max_workers=12) as pool:
        answers = list(pool.map(send, range(12)))
    assert {status for status, _ in answers} == {200}, answers
    assert len({str(body) for _, body in answers}) == 1, answers
    after = api.state(case_id)
    assert after.version == before.version + 1
    assert after.history_length == before.history_length + 1
    assert after.events_in_store == before.events_in_store + 1


def test_concurrent_commands_on_one_case_never_lose_or_invent_an_event(api: Api) -> None:
    case_id, member_id = api.valid_case()
    url = f"/cases/{case_id}/members/{member_id}/documents"

    def send(i: int) -> httpx.Response:
        with client_for(api.server.base_url, CASEWORKER_TOKEN) as client:
            body = DOCUMENT | {"official": bool(i % 2)}
            return client.post(url, json=body)

    before = api.state(case_id)
    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(send, range(24)))
    accepted = [r for r in responses if r.status_code == 200]
    for response in responses:
        if response.status_code != 200:
            assert_problem(response, 409, code="concurrent-modification")
    after = api.state(case_id)
    assert after.version == before.version + len(accepted)
    assert after.history_length == after.version
    assert len(api.member(case_id, member_id)["documents"]) == len(accepted)
    assert sorted(r.json()["version"] for r in accepted) == list(
        range(before.version + 1, after.version + 1)
    )
