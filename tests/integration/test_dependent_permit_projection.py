"""The dependent-permit holders in the read model: exactly once, resumable, as of a date and as
known at an instant (known now, the index the commands keep answers: tests/integration/
test_permit_index.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from application.commands import (
    CorrectMemberDetails,
    GrantSponsorPermit,
    OpenCase,
    RegisterMember,
    SubmitApplication,
    TakeDecision,
)
from application.projections import catch_up
from domain.vocabulary import Outcome
from infrastructure.composition import Nareis
from tests.integration.conftest import (
    CTX,
    D,
    a_partner,
    a_sponsor,
    granted_member_case,
    open_system,
)

HOLDER = "2000000001"


def sponsor_rule(
    nareis: Nareis, case_id: str, on: str, known_at: datetime | None = None
) -> Outcome:
    members = nareis.application.eligibility(case_id, D(on), known_at).members
    return next(r.outcome for r in members[0].rules if r.id == "sponsor_permit_independent")


def case_sponsored_by(nareis: Nareis, v_number: str) -> str:
    app = nareis.application
    case_id = app.execute(OpenCase(a_sponsor(v_number)), CTX).case_id
    app.execute(GrantSponsorPermit(case_id, D("2026-01-15"), "independent"), CTX)
    app.execute(RegisterMember(case_id, a_partner()), CTX)
    return case_id


def test_a_sponsor_who_holds_a_dependent_permit_fails_the_independence_rule(nareis: Nareis):
    granted_member_case(nareis, member_v_number=HOLDER)
    case_id = case_sponsored_by(nareis, HOLDER)
    # Known now, the index the commands keep answers: no projection has run.
    assert sponsor_rule(nareis, case_id, "2026-06-01") == Outcome.NOT_MET
    assert sponsor_rule(nareis, case_id, "2026-03-11") == Outcome.MET  # before the permit


def test_as_known_at_an_instant_the_read_model_answers_once_it_has_caught_up(nareis: Nareis):
    granted_member_case(nareis, member_v_number=HOLDER)
    case_id = case_sponsored_by(nareis, HOLDER)
    now = datetime.now(UTC)
    assert sponsor_rule(nareis, case_id, "2026-06-01", known_at=now) == Outcome.MET  # it lags
    nareis.catch_up()
    assert sponsor_rule(nareis, case_id, "2026-06-01", known_at=now) == Outcome.NOT_MET
    assert sponsor_rule(nareis, case_id, "2026-03-11", known_at=now) == Outcome.MET


def test_catching_up_twice_applies_each_event_once(nareis: Nareis):
    granted_member_case(nareis, member_v_number=HOLDER)
    assert nareis.catch_up() == 6  # opened, granted, registered, applied, decided, permit
    assert nareis.catch_up() == 0


def test_a_new_process_resumes_from_the_tracked_position(database_url: str):
    first = open_system(database_url)
    granted_member_case(first, member_v_number=HOLDER)
    first.catch_up()
    case_sponsored_by(first, "3000000003")
    first.close()
    second = open_system(database_url)
    assert second.catch_up() == 3  # only the opening, grant and registration it had not seen
    second.close()


def test_a_corrected_v_number_moves_the_dependent_permit_to_the_new_number(nareis: Nareis):
    case_a, member_id = granted_member_case(nareis, member_v_number=HOLDER)
    case_b = case_sponsored_by(nareis, HOLDER)
    nareis.application.execute(
        CorrectMemberDetails(
            case_a, member_id, a_partner("2999999999"), correction_reason="wrong V-number"
        ),
        CTX,
    )
    nareis.catch_up()
    assert sponsor_rule(nareis, case_b, "2026-06-01") == Outcome.MET


def test_the_background_worker_catches_up_after_a_save(nareis: Nareis):
    import time

    nareis.start_projections()
    granted_member_case(nareis, member_v_number=HOLDER)
    case_id = case_sponsored_by(nareis, HOLDER)
    deadline = time.monotonic() + 5
    while sponsor_rule(nareis, case_id, "2026-06-01") != Outcome.NOT_MET:
        assert time.monotonic() < deadline, "the worker did not catch up within 5 s"
        time.sleep(0.05)
    last_event = nareis.application.recorder.max_notification_id()
    while nareis.read_model.view.max_tracking_id(nareis.application.name) != last_event:
        assert time.monotonic() < deadline, "the worker did not reach the last event within 5 s"
        time.sleep(0.05)
    assert catch_up(nareis.application, nareis.read_model) == 0


def test_a_refusal_on_sponsor_permit_independent_is_marked_by_the_register_on_its_date(
    nareis: Nareis,
):
    # The register knows HOLDER's dependent permit from 2026-03-12 on: a refusal on that rule
    # dated before it is not supported by the record, one dated after it is.
    granted_member_case(nareis, member_v_number=HOLDER)
    nareis.catch_up()
    app = nareis.application
    case_id = app.execute(OpenCase(a_sponsor(HOLDER)), CTX).case_id
    app.execute(GrantSponsorPermit(case_id, D("2026-01-15"), "independent"), CTX)
    decided = {"2026-03-11": "before", "2026-03-20": "after"}
    members = {}
    for day, name in decided.items():
        member_id = app.execute(RegisterMember(case_id, a_partner()), CTX).member_id
        assert member_id is not None
        app.execute(SubmitApplication(case_id, member_id, D("2026-02-27"), "mvv_abroad"), CTX)
        app.execute(
            TakeDecision(case_id, member_id, D(day), "refused", ("sponsor_permit_independent",)),
            CTX,
        )
        members[name] = member_id
    marks = app.get_case(case_id).grounds_not_supported
    assert marks == {members["before"]: ("sponsor_permit_independent",), members["after"]: ()}
    history = {e.data["member_id"]: e for e in app.history(case_id) if e.event == "DecisionTaken"}
    assert {m: e.ground_not_supported for m, e in history.items()} == marks
