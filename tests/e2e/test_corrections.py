"""Re-recording a fact (API.md, DOMAIN.md "corrections"): identical values answer 200 and record
nothing; other values need a `correction_reason` (422 without) and record a correction event."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.e2e.support import (
    GRANTED_ON,
    SUBMITTED_ON,
    Api,
    assert_command_answer,
    assert_has,
    assert_problem,
    partner_body,
    sponsor_body,
)


@dataclass(frozen=True)
class Fact:
    """A fact that is recorded once and then corrected: where it lives and how to read it back."""

    name: str
    method: str
    path: str  # with {member_id}
    first: Callable[[dict[str, Any]], dict[str, Any]]  # the recorded body, from the case's sponsor
    other: Callable[[dict[str, Any]], dict[str, Any]]
    event: str
    read: Callable[[dict[str, Any], str], Any]  # (case, member_id) -> the recorded value


def _member(case: dict[str, Any], member_id: str) -> dict[str, Any]:
    return next(m for m in case["members"] if m["member_id"] == member_id)


FACTS = [
    Fact(
        "sponsor permit",
        "POST",
        "/sponsor-permit",
        lambda _: {"granted_on": GRANTED_ON, "permit_kind": "independent"},
        lambda _: {"granted_on": "2025-12-01", "permit_kind": "independent"},
        "SponsorPermitGrantCorrected",
        lambda case, _: case["sponsor_permit"],
    ),
    Fact(
        "sponsor permit kind",
        "POST",
        "/sponsor-permit",
        lambda _: {"granted_on": GRANTED_ON, "permit_kind": "independent"},
        lambda _: {"granted_on": GRANTED_ON, "permit_kind": "dependent"},
        "SponsorPermitGrantCorrected",
        lambda case, _: case["sponsor_permit"],
    ),
    Fact(
        "arrival",
        "POST",
        "/members/{member_id}/arrival",
        lambda _: {"arrived_on": "2026-02-20"},
        lambda _: {"arrived_on": "2026-02-21"},
        "FamilyMemberArrivalCorrected",
        lambda case, m: {"arrived_on": _member(case, m)["arrived_on"]},
    ),
    Fact(
        "application date",
        "POST",
        "/members/{member_id}/application",
        lambda _: {"submitted_on": SUBMITTED_ON, "channel": "mvv_abroad"},
        lambda _: {"submitted_on": "2026-02-26", "channel": "mvv_abroad"},
        "ApplicationCorrected",
        lambda case, m: _member(case, m)["application"],
    ),
    Fact(
        "application channel",
        "POST",
        "/members/{member_id}/application",
        lambda _: {"submitted_on": SUBMITTED_ON, "channel": "mvv_abroad"},
        lambda _: {"submitted_on": SUBMITTED_ON, "channel": "in_netherlands"},
        "ApplicationCorrected",
        lambda case, m: _member(case, m)["application"],
    ),
    Fact(
        "sponsor details",
        "PUT",
        "/sponsor",
        lambda sponsor: sponsor,
        lambda sponsor: sponsor | {"name": "Amal Haddad"},
        "SponsorDetailsCorrected",
        lambda case, _: case["sponsor"],
    ),
    Fact(
        "member details",
        "PUT",
        "/members/{member_id}",
        lambda _: partner_body(),
        lambda _: partner_body(born_on="1987-09-02", marital_status="unmarried"),
        "FamilyMemberDetailsCorrected",
        lambda case, m: {k: _member(case, m)[k] for k in partner_body()},
    ),
]


@pytest.fixture
def recorded(api: Api, request: pytest.FixtureRequest) -> tuple[str, str, dict, Fact]:
    """A case where the fact under test is recorded with `first` values."""
    fact: Fact = request.param
    sponsor = sponsor_body()
    case_id = api.open_case(**sponsor)
    api.grant(case_id)
    member_id = api.register(case_id, partner_body())
    if fact.path.endswith(("arrival", "application")):
        api.command(case_id, fact.path.format(member_id=member_id), fact.first(sponsor))
    return case_id, member_id, sponsor, fact


def _send(api: Api, case_id: str, member_id: str, fact: Fact, body: dict) -> Any:
    return api.cw.request(
        fact.method, f"/cases/{case_id}{fact.path.format(member_id=member_id)}", json=body
    )


ids = [fact.name for fact in FACTS]


@pytest.mark.parametrize("recorded", FACTS, ids=ids, indirect=True)
def test_re_sending_identical_values_answers_200_and_records_nothing(
    api: Api, recorded: tuple[str, str, dict, Fact]
) -> None:
    case_id, member_id, sponsor, fact = recorded
    version = api.case(case_id)["version"]
    with api.nothing_recorded(case_id):
        response = _send(api, case_id, member_id, fact, fact.first(sponsor))
        assert_command_answer(response, status=200, case_id=case_id, version=version)


@pytest.mark.parametrize("recorded", FACTS, ids=ids, indirect=True)
def test_identical_values_with_a_correction_reason_still_record_nothing(
    api: Api, recorded: tuple[str, str, dict, Fact]
) -> None:
    case_id, member_id, sponsor, fact = recorded
    with api.nothing_recorded(case_id):
        body = fact.first(sponsor) | {"correction_reason": "just checking"}
        assert_command_answer(_send(api, case_id, member_id, fact, body), case_id=case_id)


@pytest.mark.parametrize("recorded", FACTS, ids=ids, indirect=True)
@pytest.mark.parametrize(
    ("reason", "code"),
    [
        pytest.param(None, "correction-reason-required", id="no-reason"),
        pytest.param("", "blank-text", id="empty-reason"),
        pytest.param("   ", "blank-text", id="blank-reason"),
    ],
)
def test_other_values_without_a_correction_reason_are_422_and_record_nothing(
    api: Api, recorded: tuple[str, str, dict, Fact], reason: str | None, code: str
) -> None:
    case_id, member_id, sponsor, fact = recorded
    before = fact.read(api.case(case_id), member_id)
    body = fact.other(sponsor) | ({} if reason is None else {"correction_reason": reason})
    with api.nothing_recorded(case_id):
        response = _send(api, case_id, member_id, fact, body)
        assert_problem(response, 422, "correction_reason", code=code)
    assert fact.read(api.case(case_id), member_id) == before


@pytest.mark.parametrize("recorded", FACTS, ids=ids, indirect=True)
def test_other_values_with_a_correction_reason_record_a_correction_event(
    api: Api, recorded: tuple[str, str, dict, Fact]
) -> None:
    case_id, member_id, sponsor, fact = recorded
    before = api.state(case_id)
    body = fact.other(sponsor) | {"correction_reason": "typo in the intake form"}
    response = _send(api, case_id, member_id, fact, body)
    assert_command_answer(response, status=200, case_id=case_id, version=before.version + 1)
    history = api.history(case_id)
    assert len(history) == before.history_length + 1
    correction = history[-1]
    assert correction["event"] == fact.event
    assert correction["actor"] == "alice"
    assert correction["data"]["correction_reason"] == "typo in the intake form"
    assert_has(fact.read(api.case(case_id), member_id), fact.other(sponsor))
    # The earlier value stays in the history.
    assert any(entry["data"].items() >= fact.first(sponsor).items() for entry in history[:-1]), (
        history
    )


def test_a_corrected_grant_moves_the_term(api: Api) -> None:
    case_id = api.open_case()
    api.grant(case_id, "2025-11-30")
    api.command(
        case_id,
        "/sponsor-permit",
        {"granted_on": "2026-01-15", "permit_kind": "independent", "correction_reason": "typo"},
    )
    deadline = api.deadline(case_id, "2026-02-01")
    assert (deadline["term_starts_on"], deadline["term_ends_on"]) == ("2026-01-16", "2026-04-15")


def test_a_corrected_application_date_changes_its_timeliness(api: Api) -> None:
    case_id, member_id = api.valid_case()
    api.command(
        case_id,
        f"/members/{member_id}/application",
        {"submitted_on": "2026-03-03", "channel": "mvv_abroad", "correction_reason": "stamp"},
    )
    [member] = api.deadline(case_id, "2026-03-10")["members"]
    assert (member["application"], member["submitted_on"]) == ("late", "2026-03-03")


def test_correcting_an_unknown_member_is_404_and_records_nothing(api: Api) -> None:
    case_id, _ = api.valid_case()
    with api.nothing_recorded(case_id):
        response = api.cw.put(
            f"/cases/{case_id}/members/00000000-0000-4000-8000-000000000000",
            json=partner_body() | {"correction_reason": "x"},
        )
        assert_problem(response, 404, code="member-not-found")
