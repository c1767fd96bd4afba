"""Every command of API.md through a real server, and what the queries then answer."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.e2e.support import (
    FULL_FILE,
    GRANTED_ON,
    NOMINAL_ENDS_ON,
    RULE_IDS,
    SUBMITTED_ON,
    TERM_ENDS_ON,
    TERM_STARTS_ON,
    Api,
    assert_command_answer,
    assert_has,
    assert_problem,
    child_body,
    parent_body,
    partner_body,
    sponsor_body,
)


def _is_utc_instant(text: str) -> bool:
    return text.endswith("Z") and datetime.fromisoformat(text).utcoffset() is not None


# --- opening a case and the sponsor ----------------------------------------------------------------


def test_opening_a_case_answers_201_with_the_case_id_version_1_and_an_etag(api: Api) -> None:
    response = api.cw.post("/cases", json={"sponsor": sponsor_body()})
    answer = assert_command_answer(response, status=201, version=1)
    assert response.headers["ETag"] == '"1"'
    assert answer["case_id"] in api.case(answer["case_id"])["case_id"]


def test_the_case_shows_the_sponsor_as_opened_and_no_grant_or_members_yet(api: Api) -> None:
    sponsor = sponsor_body(name="Amal Haddad", unaccompanied_minor=True)
    case_id = api.open_case(**sponsor)
    response = api.cw.get(f"/cases/{case_id}")
    assert response.status_code == 200
    assert response.headers["ETag"] == '"1"'
    case = response.json()
    assert case["case_id"] == case_id
    assert case["version"] == 1
    assert_has(case["sponsor"], sponsor)
    assert case["sponsor_permit"] is None
    assert case["members"] == []


def test_the_history_of_a_new_case_is_one_case_opened_event_by_the_caller(api: Api) -> None:
    sponsor = sponsor_body()
    case_id = api.open_case(**sponsor)
    [entry] = api.history(case_id)
    assert entry["version"] == 1
    assert entry["event"] == "CaseOpened"
    assert entry["actor"] == "alice"
    assert _is_utc_instant(entry["recorded_at"])
    assert {k: entry["data"][k] for k in sponsor} == sponsor


def test_granting_the_sponsor_permit_answers_the_next_version(api: Api) -> None:
    case_id = api.open_case()
    response = api.cw.post(
        f"/cases/{case_id}/sponsor-permit",
        json={"granted_on": GRANTED_ON, "permit_kind": "independent"},
    )
    assert_command_answer(response, case_id=case_id, version=2)
    assert_has(
        api.case(case_id)["sponsor_permit"],
        {
            "granted_on": GRANTED_ON,
            "permit_kind": "independent",
        },
    )
    assert api.history(case_id)[-1]["event"] == "SponsorPermitGranted"


def test_a_grant_on_2025_11_30_gives_a_term_ending_on_monday_2026_03_02(api: Api) -> None:
    case_id = api.open_case()
    api.grant(case_id, "2025-11-30")
    response = api.cw.get(f"/cases/{case_id}/deadline", params={"as_of": "2026-01-10"})
    assert response.status_code == 200
    assert response.headers["ETag"] == '"2"'
    assert_has(
        response.json(),
        {
            "case_id": case_id,
            "as_of": "2026-01-10",
            "status": "open",
            "term_starts_on": TERM_STARTS_ON,
            "nominal_ends_on": NOMINAL_ENDS_ON,
            "term_ends_on": TERM_ENDS_ON,
            "days_left": 51,
            "members": [],
        },
    )


@pytest.mark.parametrize(
    ("granted_on", "nominal_ends_on", "term_ends_on"),
    [
        pytest.param("2026-01-15", "2026-04-15", "2026-04-15", id="a-wednesday-stays"),
        pytest.param("2026-02-28", "2026-05-28", "2026-05-28", id="end-of-february-same-day"),
        pytest.param("2025-11-30", "2026-02-28", "2026-03-02", id="no-31st-saturday-to-monday"),
        pytest.param("2025-10-02", "2026-01-02", "2026-01-05", id="decreed-2-january-2026"),
    ],
)
def test_the_term_ends_three_months_after_the_grant_moved_past_weekends_and_holidays(
    api: Api, granted_on: str, nominal_ends_on: str, term_ends_on: str
) -> None:
    case_id = api.open_case()
    api.grant(case_id, granted_on)
    deadline = api.deadline(case_id, as_of=granted_on)
    assert deadline["nominal_ends_on"] == nominal_ends_on
    assert deadline["term_ends_on"] == term_ends_on


@pytest.mark.parametrize(
    ("as_of", "status", "days_left"),
    [
        pytest.param("2025-11-29", "awaiting_grant", None, id="the-day-before-the-grant"),
        pytest.param("2025-11-30", "open", 92, id="the-day-of-the-grant"),
        pytest.param("2026-03-02", "open", 0, id="the-last-day"),
        pytest.param("2026-03-03", "expired", None, id="the-day-after"),
    ],
)
def test_the_deadline_status_depends_on_as_of(
    api: Api, as_of: str, status: str, days_left: int | None
) -> None:
    case_id = api.open_case()
    api.grant(case_id)
    deadline = api.deadline(case_id, as_of)
    assert (deadline["as_of"], deadline["status"], deadline["days_left"]) == (
        as_of,
        status,
        days_left,
    )


def test_the_deadline_before_any_grant_is_awaiting_grant_without_dates(api: Api) -> None:
    case_id = api.open_case()
    deadline = api.deadline(case_id)
    assert deadline["status"] == "awaiting_grant"
    assert deadline["term_starts_on"] is None
    assert deadline["term_ends_on"] is None
    assert deadline["days_left"] is None


# --- family members ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(partner_body(v_number="7100000001"), id="married-partner-with-v-number"),
        pytest.param(partner_body(marital_status="unmarried"), id="unmarried-partner"),
        pytest.param(child_body(), id="child-of-the-sponsor"),
        pytest.param(child_body(child_kind="foster"), id="foster-child"),
        pytest.param(parent_body(), id="biological-parent"),
        pytest.param(parent_body(parent_kind="other"), id="other-parent"),
    ],
)
def test_registering_a_member_answers_201_with_a_member_id_and_shows_the_member(
    api: Api, body: dict
) -> None:
    case_id = api.open_case()
    response = api.cw.post(f"/cases/{case_id}/members", json=body)
    answer = assert_command_answer(
        response, status=201, case_id=case_id, version=2, creates_member=True
    )
    [member] = api.case(case_id)["members"]
    assert member["member_id"] == answer["member_id"]
    assert {k: member[k] for k in body} == body
    assert member["application"] is None
    assert member["documents"] == []
    assert member["decision"] is None
    event = api.history(case_id)[-1]
    assert event["event"] == "FamilyMemberRegistered"
    assert event["data"]["member_id"] == answer["member_id"]


def test_a_child_of_the_sponsor_and_a_partner_member_names_that_partner(api: Api) -> None:
    case_id = api.open_case()
    partner_id = api.register(case_id, partner_body())
    child_id = api.register(
        case_id, child_body(child_of="sponsor_and_partner", partner_member_id=partner_id)
    )
    assert api.member(case_id, child_id)["partner_member_id"] == partner_id


def test_each_member_command_records_one_event_and_answers_the_next_version(api: Api) -> None:
    case_id = api.open_case()
    api.grant(case_id)
    member_id = api.register(case_id)
    steps = [
        ("arrival", {"arrived_on": "2026-02-20"}, "FamilyMemberArrived"),
        (
            "application",
            {"submitted_on": SUBMITTED_ON, "channel": "in_netherlands"},
            "ApplicationSubmitted",
        ),
        (
            "documents",
            {"received_on": SUBMITTED_ON, "kind": "identity_document", "official": False},
            "DocumentReceived",
        ),
        (
            "assessments",
            {
                "assessed_on": "2026-03-01",
                "criterion": "identity_established",
                "outcome": "met",
                "note": "interview",
            },
            "AssessmentRecorded",
        ),
        (
            "decision-period-extension",
            {"extended_on": "2026-03-02", "reason": "investigation abroad"},
            "DecisionPeriodExtended",
        ),
        (
            "decision",
            {"decided_on": "2026-03-05", "outcome": "refused", "grounds": ["family_ties_proven"]},
            "DecisionTaken",
        ),
    ]
    for version, (path, body, event) in enumerate(steps, start=4):
        response = api.cw.post(f"/cases/{case_id}/members/{member_id}/{path}", json=body)
        assert_command_answer(response, case_id=case_id, version=version)
        last = api.history(case_id)[-1]
        assert (last["version"], last["event"], last["actor"]) == (version, event, "alice")
        assert last["data"]["member_id"] == member_id
    member = api.member(case_id, member_id)
    assert member["arrived_on"] == "2026-02-20"
    assert_has(member["application"], {"submitted_on": SUBMITTED_ON, "channel": "in_netherlands"})
    assert_has(
        member["documents"],
        [{"received_on": SUBMITTED_ON, "kind": "identity_document", "official": False}],
    )
    assert_has(
        member["assessments"],
        [
            {
                "assessed_on": "2026-03-01",
                "criterion": "identity_established",
                "outcome": "met",
                "note": "interview",
            }
        ],
    )
    assert_has(
        member["decision_period_extension"],
        {
            "extended_on": "2026-03-02",
            "reason": "investigation abroad",
        },
    )
    assert_has(
        member["decision"],
        {
            "decided_on": "2026-03-05",
            "outcome": "refused",
            "grounds": ["family_ties_proven"],
        },
    )
    assert member["permit"] is None
    assert member["withdrawal"] is None


def test_every_document_post_records_a_new_document_even_when_identical(api: Api) -> None:
    case_id, member_id = api.valid_case()
    body = {"received_on": SUBMITTED_ON, "kind": "other", "official": False}
    versions = []
    for _ in range(3):
        response = api.cw.post(f"/cases/{case_id}/members/{member_id}/documents", json=body)
        versions.append(assert_command_answer(response, case_id=case_id)["version"])
    assert versions == [5, 6, 7]
    assert_has(api.member(case_id, member_id)["documents"], [body] * 3)
    assert [e["event"] for e in api.history(case_id)[-3:]] == ["DocumentReceived"] * 3


def test_a_granted_member_gets_a_permit_valid_five_years(api: Api) -> None:
    case_id, member_id = api.valid_case(complete=True)
    api.grant_member(case_id, member_id, "2026-03-10")
    response = api.cw.post(
        f"/cases/{case_id}/members/{member_id}/permit",
        json={"issued_on": "2026-03-12", "valid_from": "2026-03-10"},
    )
    assert_command_answer(response, case_id=case_id, version=11)
    member = api.member(case_id, member_id)
    assert_has(
        member["decision"], {"decided_on": "2026-03-10", "outcome": "granted", "grounds": []}
    )
    assert_has(
        member["permit"],
        {
            "issued_on": "2026-03-12",
            "valid_from": "2026-03-10",
            "valid_until": "2031-03-10",
        },
    )
    assert api.history(case_id)[-1]["event"] == "PermitIssued"


def test_a_permit_valid_from_29_february_is_valid_until_28_february(api: Api) -> None:
    case_id, member_id = api.valid_case(complete=True)
    api.grant_member(case_id, member_id)
    api.command(
        case_id,
        f"/members/{member_id}/permit",
        {"issued_on": "2026-03-12", "valid_from": "2024-02-29"},
    )
    assert api.member(case_id, member_id)["permit"]["valid_until"] == "2029-02-28"


def test_a_withdrawal_is_recorded_with_or_without_an_application(api: Api) -> None:
    case_id, applied = api.valid_case()
    not_applied = api.register(case_id, child_body())
    for member_id in (applied, not_applied):
        api.command(
            case_id,
            f"/members/{member_id}/withdrawal",
            {"withdrawn_on": "2026-03-01", "reason": "stays with family"},
        )
        assert_has(
            api.member(case_id, member_id)["withdrawal"],
            {
                "withdrawn_on": "2026-03-01",
                "reason": "stays with family",
            },
        )
    assert [e["event"] for e in api.history(case_id)[-2:]] == ["ApplicationWithdrawn"] * 2


# --- deadline per member -------------------------------------------------------------------------------


def test_a_member_deadline_shows_timeliness_decision_due_date_and_overdue(api: Api) -> None:
    case_id, timely = api.valid_case()
    late = api.register(case_id, child_body())
    api.apply(case_id, late, "2026-03-03")
    none = api.register(case_id, parent_body())
    deadline = api.deadline(case_id, as_of="2026-06-01")
    by_member = {m["member_id"]: m for m in deadline["members"]}
    assert_has(
        by_member[timely],
        {
            "member_id": timely,
            "application": "timely",
            "submitted_on": SUBMITTED_ON,
            "decision_due_on": "2026-05-27",
            "overdue": True,
        },
    )
    assert by_member[late]["application"] == "late"
    assert by_member[late]["overdue"] is False
    assert_has(
        by_member[none],
        {
            "member_id": none,
            "application": "none",
            "submitted_on": None,
            "decision_due_on": None,
            "overdue": False,
        },
    )


def test_an_extension_moves_the_decision_due_date_to_six_months(api: Api) -> None:
    case_id, member_id = api.valid_case()
    api.command(
        case_id,
        f"/members/{member_id}/decision-period-extension",
        {"extended_on": "2026-05-01", "reason": "investigation abroad"},
    )
    [member] = api.deadline(case_id, as_of="2026-06-01")["members"]
    assert member["decision_due_on"] == "2026-08-27"
    assert member["overdue"] is False


# --- eligibility ---------------------------------------------------------------------------------------


def test_the_eligibility_lists_all_17_rules_with_reasons_for_every_member(api: Api) -> None:
    case_id, partner_id = api.valid_case()
    child_id = api.register(case_id, child_body())
    parent_id = api.register(case_id, parent_body())
    response = api.cw.get(f"/cases/{case_id}/eligibility", params={"as_of": "2026-03-01"})
    assert response.status_code == 200
    assert response.headers["ETag"] == '"6"'
    answer = response.json()
    assert answer["case_id"] == case_id
    assert answer["as_of"] == "2026-03-01"
    assert [m["member_id"] for m in answer["members"]] == [partner_id, child_id, parent_id]
    for member in answer["members"]:
        assert [rule["id"] for rule in member["rules"]] == list(RULE_IDS)
        for rule in member["rules"]:
            assert rule["outcome"] in {"met", "not_met", "unknown", "not_applicable"}
            assert isinstance(rule["reason"], str)
            assert rule["reason"].strip()
        assert member["overall"] in {"eligible", "incomplete", "ineligible"}
        assert member["route"] in {"nareis", "regular"}
        assert isinstance(member["policy"], str)
        assert member["policy"]
        assert isinstance(member["missing_documents"], list)
    child_rules = api.rules_of(case_id, child_id, "2026-03-01")
    assert child_rules["partner_adult"] == "not_applicable"
    assert child_rules["no_criminal_record"] == "not_applicable"  # 10 years old
    assert child_rules["custodial_parent_consent"] == "unknown"


def test_a_partner_with_a_complete_file_is_eligible_on_the_nareis_route(api: Api) -> None:
    case_id, member_id = api.valid_case(complete=True)
    [member] = api.eligibility(case_id, as_of="2026-03-01")["members"]
    assert member["member_id"] == member_id
    assert member["overall"] == "eligible"
    assert member["route"] == "nareis"
    assert member["missing_documents"] == []
    assert {rule["outcome"] for rule in member["rules"]} == {"met", "not_applicable"}


def test_documents_received_after_as_of_do_not_count_yet(api: Api) -> None:
    case_id, _ = api.valid_case(complete=True)
    [before] = api.eligibility(case_id, as_of="2026-02-26")["members"]
    assert before["overall"] == "incomplete"
    assert sorted(before["missing_documents"]) == sorted(FULL_FILE)
    [on_the_day] = api.eligibility(case_id, as_of=SUBMITTED_ON)["members"]
    assert on_the_day["overall"] == "eligible"


def test_a_late_application_puts_the_member_on_the_regular_route(api: Api) -> None:
    case_id, member_id = api.valid_case(applied=False)
    api.apply(case_id, member_id, "2026-03-03")
    rules = api.rules_of(case_id, member_id, "2026-03-03")
    assert rules["timely"] == "not_met"
    [member] = api.eligibility(case_id, "2026-03-03")["members"]
    assert (member["overall"], member["route"]) == ("ineligible", "regular")


def test_an_excusable_late_application_is_timely_on_the_nareis_route_and_can_be_granted(
    api: Api,
) -> None:
    case_id, member_id = api.valid_case(applied=False)  # the term ends 2026-03-02
    api.apply(case_id, member_id, "2026-03-03")
    api.complete_file(case_id, member_id, "2026-03-03")
    api.command(
        case_id,
        f"/members/{member_id}/assessments",
        {
            "assessed_on": "2026-03-06",
            "criterion": "late_application_excusable",
            "outcome": "met",
            "note": "the embassy was closed",
        },
    )
    [before] = api.eligibility(case_id, "2026-03-05")["members"]
    assert (before["overall"], before["route"]) == ("ineligible", "regular")
    [member] = api.eligibility(case_id, "2026-03-06")["members"]
    timely = next(rule for rule in member["rules"] if rule["id"] == "timely")
    assert timely["outcome"] == "met"
    assert "excusable" in timely["reason"]
    assert (member["overall"], member["route"]) == ("eligible", "nareis")
    [deadline] = api.deadline(case_id, "2026-03-06")["members"]
    assert deadline["application"] == "late"
    api.grant_member(case_id, member_id, "2026-03-06")


def test_a_sponsor_with_a_dependent_permit_fails_sponsor_permit_independent(api: Api) -> None:
    case_id = api.open_case()
    api.grant(case_id, kind="dependent")
    member_id = api.register(case_id)
    assert api.rules_of(case_id, member_id, "2026-01-10")["sponsor_permit_independent"] == (
        "not_met"
    )


def test_a_granted_decision_on_an_eligible_member_is_recorded(api: Api) -> None:
    case_id, member_id = api.valid_case(complete=True)
    answer = api.grant_member(case_id, member_id, "2026-03-10")
    assert answer["version"] == 10
    assert api.member(case_id, member_id)["decision"]["outcome"] == "granted"


def test_a_granted_decision_on_a_member_who_is_not_eligible_is_409(api: Api) -> None:
    case_id, member_id = api.valid_case()  # applied, but no documents
    with api.nothing_recorded(case_id):
        response = api.cw.post(
            f"/cases/{case_id}/members/{member_id}/decision",
            json={"decided_on": "2026-03-10", "outcome": "granted", "grounds": []},
        )
        body = assert_problem(response, 409, code="not-eligible")
        assert "identity_proven" in body["detail"]
    assert api.member(case_id, member_id)["decision"] is None


def test_a_grant_needs_the_member_eligible_on_the_decision_date_not_later(api: Api) -> None:
    case_id, member_id = api.valid_case()
    api.complete_file(case_id, member_id, received_on="2026-03-05")
    with api.nothing_recorded(case_id):
        response = api.cw.post(
            f"/cases/{case_id}/members/{member_id}/decision",
            json={"decided_on": "2026-03-04", "outcome": "granted"},
        )
        assert_problem(response, 409, code="not-eligible")
    api.grant_member(case_id, member_id, "2026-03-05")


def test_a_refusal_on_grounds_the_record_supports_is_not_marked(api: Api) -> None:
    case_id, member_id = api.valid_case()  # applied, no documents: identity_proven is unknown
    api.command(
        case_id,
        f"/members/{member_id}/decision",
        {"decided_on": "2026-03-10", "outcome": "refused", "grounds": ["identity_proven"]},
    )
    assert api.member(case_id, member_id)["decision"]["ground_not_supported"] == []
    [decided] = [e for e in api.history(case_id) if e["event"] == "DecisionTaken"]
    assert decided["ground_not_supported"] == []


def test_a_refusal_on_a_ground_whose_rule_is_met_is_recorded_and_marked_not_supported(
    api: Api,
) -> None:
    case_id, member_id = api.valid_case(complete=True)  # every rule met on 2026-03-10
    api.command(
        case_id,
        f"/members/{member_id}/decision",
        {
            "decided_on": "2026-03-10",
            "outcome": "refused",
            "grounds": ["identity_proven", "partner_adult"],
        },
    )
    decision = api.member(case_id, member_id)["decision"]
    assert decision["outcome"] == "refused"
    assert decision["grounds"] == ["identity_proven", "partner_adult"]
    assert decision["ground_not_supported"] == ["identity_proven", "partner_adult"]
    entries = api.history(case_id)
    [decided] = [e for e in entries if e["event"] == "DecisionTaken"]
    assert decided["ground_not_supported"] == ["identity_proven", "partner_adult"]
    assert {e["ground_not_supported"] for e in entries if e["event"] != "DecisionTaken"} == {None}


def test_a_granted_decision_has_no_grounds_to_mark(api: Api) -> None:
    case_id, member_id = api.valid_case(complete=True)
    api.grant_member(case_id, member_id, "2026-03-10")
    assert api.member(case_id, member_id)["decision"]["ground_not_supported"] == []


def test_the_openapi_document_describes_ground_not_supported(api: Api) -> None:
    schemas = api.cw.get("/openapi.json").json()["components"]["schemas"]
    for model in ("DecisionOut", "HistoryEntryOut"):
        described = schemas[model]["properties"]["ground_not_supported"]["description"]
        assert "met" in described and "decided_on" in described


# --- history -------------------------------------------------------------------------------------------


def test_the_history_is_oldest_first_with_versions_instants_actors_and_data(api: Api) -> None:
    case_id, member_id = api.valid_case(complete=True)
    history = api.history(case_id)
    assert [e["version"] for e in history] == list(range(1, len(history) + 1))
    assert [e["event"] for e in history[:4]] == [
        "CaseOpened",
        "SponsorPermitGranted",
        "FamilyMemberRegistered",
        "ApplicationSubmitted",
    ]
    instants = [datetime.fromisoformat(e["recorded_at"]) for e in history]
    assert instants == sorted(instants)
    assert all(_is_utc_instant(e["recorded_at"]) for e in history)
    assert {e["actor"] for e in history} == {"alice"}
    assert_has(history[1]["data"], {"granted_on": GRANTED_ON, "permit_kind": "independent"})
    assert_has(
        history[3]["data"],
        {
            "member_id": member_id,
            "submitted_on": SUBMITTED_ON,
            "channel": "mvv_abroad",
        },
    )
    assert len(history) == api.case(case_id)["version"]
