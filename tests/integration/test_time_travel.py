"""Time travel: `as_of` (how things stood on a business date) and `known_at` (what the system knew
at an instant), alone and together, and the audit trail with corrections."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from application.commands import (
    CorrectSponsorDetails,
    GrantSponsorPermit,
    IssuePermit,
    OpenCase,
    ReceiveDocument,
    RecordArrival,
    RecordAssessment,
    RegisterMember,
    SubmitApplication,
    TakeDecision,
    Withdraw,
)
from domain.errors import CaseNotFound
from domain.vocabulary import ApplicationTimeliness, DeadlineStatus, Outcome, Stage
from infrastructure.composition import Nareis
from tests.integration.conftest import CTX, FULL_FILE, D, a_partner, a_sponsor


def recorded_now() -> datetime:
    return datetime.now(UTC)


def rule(nareis: Nareis, case_id: str, rule_id: str, as_of: str, known_at=None) -> Outcome:
    members = nareis.application.eligibility(case_id, D(as_of), known_at).members
    return next(r.outcome for r in members[0].rules if r.id == rule_id)


@pytest.fixture
def case_with_partner(nareis: Nareis) -> tuple[str, str]:
    app = nareis.application
    case_id = app.execute(OpenCase(a_sponsor()), CTX).case_id
    member_id = app.execute(RegisterMember(case_id, a_partner()), CTX).member_id
    assert member_id is not None
    return case_id, member_id


@pytest.mark.parametrize(
    ("record", "rule_id", "dated", "before", "after"),
    [
        (
            lambda app, c, m: app.execute(
                GrantSponsorPermit(c, D("2025-11-30"), "independent"), CTX
            ),
            "sponsor_has_asylum_permit",
            "2025-11-30",
            Outcome.UNKNOWN,
            Outcome.MET,
        ),
        (
            lambda app, c, m: app.execute(RecordArrival(c, m, D("2025-05-01")), CTX),
            "timely",
            "2025-05-01",
            Outcome.UNKNOWN,
            Outcome.MET,
        ),
        (
            lambda app, c, m: app.execute(
                SubmitApplication(c, m, D("2026-02-27"), "mvv_abroad"), CTX
            ),
            "timely",
            "2026-02-27",
            Outcome.UNKNOWN,
            Outcome.MET,
        ),
        (
            lambda app, c, m: app.execute(
                ReceiveDocument(c, m, D("2026-02-27"), "sponsor_declaration", True), CTX
            ),
            "sponsor_declaration",
            "2026-02-27",
            Outcome.UNKNOWN,
            Outcome.MET,
        ),
        (
            lambda app, c, m: app.execute(
                RecordAssessment(
                    c, m, D("2026-02-27"), "durable_exclusive_relationship", "not_met", ""
                ),
                CTX,
            ),
            "partner_relationship",
            "2026-02-27",
            Outcome.MET,
            Outcome.NOT_MET,
        ),
    ],
    ids=["grant", "arrival", "application", "document", "assessment"],
)
def test_a_fact_counts_from_its_business_date_on_and_not_the_day_before(
    nareis: Nareis, case_with_partner, record, rule_id, dated, before, after
):
    case_id, member_id = case_with_partner
    app = nareis.application
    if rule_id == "timely" and dated != "2025-05-01":
        app.execute(GrantSponsorPermit(case_id, D("2025-11-30"), "independent"), CTX)
    record(app, case_id, member_id)
    day_before = (D(dated) - timedelta(days=1)).isoformat()
    assert rule(nareis, case_id, rule_id, day_before) == before
    assert rule(nareis, case_id, rule_id, dated) == after


def test_decisions_withdrawals_and_permits_count_from_their_business_dates(
    nareis: Nareis, case_with_partner
):
    case_id, member_id = case_with_partner
    app = nareis.application
    app.execute(GrantSponsorPermit(case_id, D("2025-11-30"), "independent"), CTX)
    app.execute(SubmitApplication(case_id, member_id, D("2026-02-27"), "mvv_abroad"), CTX)
    for kind in FULL_FILE:
        app.execute(ReceiveDocument(case_id, member_id, D("2026-02-27"), kind, True), CTX)
    app.execute(TakeDecision(case_id, member_id, D("2026-03-10"), "granted", ()), CTX)
    app.execute(IssuePermit(case_id, member_id, D("2026-03-12"), D("2026-03-12")), CTX)
    app.execute(Withdraw(case_id, member_id, D("2026-03-20"), "stays behind after all"), CTX)

    def stage(on: str) -> Stage:
        return app.get_case(case_id, as_of=D(on)).facts.members[0].stage

    def overdue(on: str) -> bool:
        return app.deadline(case_id, D(on)).deadline.members[0].overdue

    assert [stage(on) for on in ("2026-03-09", "2026-03-10", "2026-03-11", "2026-03-12")] == [
        Stage.APPLIED,
        Stage.GRANTED,
        Stage.GRANTED,
        Stage.PERMIT_ISSUED,
    ]
    assert [stage(on) for on in ("2026-03-19", "2026-03-20")] == [
        Stage.PERMIT_ISSUED,
        Stage.WITHDRAWN,
    ]
    # The application is due on 2026-05-27: without the decision it would be overdue after that.
    assert app.deadline(case_id, D("2026-03-09")).deadline.members[0].decision_due_on == (
        D("2026-05-27")
    )
    assert not overdue("2026-05-28")
    app.execute(SubmitApplication(case_id, member_id, D("2026-02-27"), "mvv_abroad"), CTX)
    undecided = app.execute(OpenCase(a_sponsor("1000000002")), CTX).case_id
    other = app.execute(RegisterMember(undecided, a_partner()), CTX).member_id
    assert other is not None
    app.execute(SubmitApplication(undecided, other, D("2026-02-27"), "mvv_abroad"), CTX)
    assert app.deadline(undecided, D("2026-05-28")).deadline.members[0].overdue


def test_the_case_view_as_of_a_date_leaves_out_the_facts_dated_after_it(
    nareis: Nareis, case_with_partner
):
    case_id, member_id = case_with_partner
    app = nareis.application
    app.execute(GrantSponsorPermit(case_id, D("2025-11-30"), "independent"), CTX)
    app.execute(RecordArrival(case_id, member_id, D("2026-01-15")), CTX)
    app.execute(SubmitApplication(case_id, member_id, D("2026-03-01"), "in_netherlands"), CTX)
    app.execute(
        ReceiveDocument(case_id, member_id, D("2026-03-02"), "identity_document", True), CTX
    )

    early = app.get_case(case_id, as_of=D("2025-11-29"))
    assert (early.as_of, early.facts.grant, early.version) == (D("2025-11-29"), None, 6)
    assert [m.member_id for m in early.facts.members] == [member_id]
    february = app.get_case(case_id, as_of=D("2026-02-01")).facts.members[0]
    assert (february.arrived_on, february.application, february.documents) == (
        D("2026-01-15"),
        None,
        (),
    )
    march = app.get_case(case_id, as_of=D("2026-03-02")).facts.members[0]
    assert march.application is not None and len(march.documents) == 1


def test_known_at_before_the_case_existed_is_not_found(nareis: Nareis):
    before = recorded_now()
    case_id = nareis.application.execute(OpenCase(a_sponsor()), CTX).case_id
    with pytest.raises(CaseNotFound):
        nareis.application.get_case(case_id, known_at=before)
    with pytest.raises(CaseNotFound):
        nareis.application.history(case_id, known_at=before)
    assert nareis.application.get_case(case_id, known_at=recorded_now()).version == 1


def test_known_at_shows_what_was_recorded_then_and_nothing_after(nareis: Nareis, case_with_partner):
    case_id, member_id = case_with_partner
    app = nareis.application
    app.execute(GrantSponsorPermit(case_id, D("2025-11-30"), "independent"), CTX)
    then = recorded_now()
    app.execute(SubmitApplication(case_id, member_id, D("2026-02-27"), "mvv_abroad"), CTX)
    assert app.get_case(case_id, known_at=then).version == 3
    assert app.get_case(case_id, known_at=then).facts.members[0].application is None
    assert rule(nareis, case_id, "timely", "2026-06-01", known_at=then) == Outcome.NOT_MET
    assert rule(nareis, case_id, "timely", "2026-06-01") == Outcome.MET
    assert len(app.history(case_id, known_at=then)) == 3


def test_a_corrected_grant_date_moves_the_term_and_known_at_before_it_shows_the_old_term(
    nareis: Nareis, case_with_partner
):
    case_id, member_id = case_with_partner
    app = nareis.application
    app.execute(GrantSponsorPermit(case_id, D("2025-11-30"), "independent"), CTX)
    app.execute(SubmitApplication(case_id, member_id, D("2026-03-02"), "mvv_abroad"), CTX)
    before_correction = recorded_now()
    app.execute(
        GrantSponsorPermit(
            case_id, D("2025-11-27"), "independent", correction_reason="grant letter misread"
        ),
        CTX,
    )

    def deadline(known_at=None):
        return app.deadline(case_id, D("2026-03-02"), known_at).deadline

    old, new = deadline(before_correction), deadline()
    assert old.term.nominal_ends_on == D("2026-02-28")  # a Saturday
    assert old.term.ends_on == D("2026-03-02")
    assert old.status == DeadlineStatus.OPEN and old.days_left == 0
    assert old.members[0].application == ApplicationTimeliness.TIMELY
    assert new.term.ends_on == D("2026-02-27")
    assert new.status == DeadlineStatus.EXPIRED and new.days_left is None
    assert new.members[0].application == ApplicationTimeliness.LATE


def test_a_correction_of_the_grant_date_can_flip_an_application_from_timely_to_late(
    nareis: Nareis, case_with_partner
):
    case_id, member_id = case_with_partner
    app = nareis.application
    app.execute(GrantSponsorPermit(case_id, D("2026-01-15"), "independent"), CTX)
    app.execute(SubmitApplication(case_id, member_id, D("2026-04-15"), "mvv_abroad"), CTX)
    before_correction = recorded_now()
    app.execute(
        GrantSponsorPermit(
            case_id, D("2026-01-14"), "independent", correction_reason="date on the decision"
        ),
        CTX,
    )
    as_of = "2026-06-01"
    assert rule(nareis, case_id, "timely", as_of, before_correction) == Outcome.MET
    assert rule(nareis, case_id, "timely", as_of) == Outcome.NOT_MET
    now = app.deadline(case_id, D(as_of)).deadline
    assert now.term.ends_on == D("2026-04-14")
    assert now.members[0].application == ApplicationTimeliness.LATE
    eligibility = app.eligibility(case_id, D(as_of)).members[0]
    assert eligibility.route == "regular"
    timely_reason = next(r.reason for r in eligibility.rules if r.id == "timely")
    assert "2026-04-15" in timely_reason and "2026-04-14" in timely_reason


def test_the_history_names_the_actor_and_shows_each_correction_with_old_new_and_reason(
    nareis: Nareis, case_with_partner
):
    from application.service import CommandContext

    case_id, member_id = case_with_partner
    app = nareis.application
    app.execute(GrantSponsorPermit(case_id, D("2025-11-30"), "independent"), CTX)
    app.execute(SubmitApplication(case_id, member_id, D("2026-02-27"), "mvv_abroad"), CTX)
    bob = CommandContext("bob")
    app.execute(
        GrantSponsorPermit(
            case_id, D("2025-11-28"), "independent", correction_reason="grant letter misread"
        ),
        bob,
    )
    app.execute(
        SubmitApplication(
            case_id, member_id, D("2026-02-26"), "in_netherlands", correction_reason="wrong form"
        ),
        bob,
    )
    app.execute(RecordArrival(case_id, member_id, D("2026-03-01")), CTX)
    app.execute(
        RecordArrival(case_id, member_id, D("2026-03-02"), correction_reason="border stamp"), bob
    )

    history = app.history(case_id)
    assert [e.event for e in history] == [
        "CaseOpened",
        "FamilyMemberRegistered",
        "SponsorPermitGranted",
        "ApplicationSubmitted",
        "SponsorPermitGrantCorrected",
        "ApplicationCorrected",
        "FamilyMemberArrived",
        "FamilyMemberArrivalCorrected",
    ]
    assert [e.version for e in history] == list(range(1, 9))
    assert [e.actor for e in history] == ["alice"] * 4 + ["bob", "bob", "alice", "bob"]
    assert all(a.recorded_at <= b.recorded_at for a, b in itertools.pairwise(history))
    grant_fix, application_fix, arrival_fix = history[4], history[5], history[7]
    assert grant_fix.changes == {
        "old": {"granted_on": D("2025-11-30")},
        "new": {"granted_on": D("2025-11-28")},
    }
    assert grant_fix.reason == "grant letter misread"
    assert application_fix.changes == {
        "old": {"submitted_on": D("2026-02-27"), "channel": "mvv_abroad"},
        "new": {"submitted_on": D("2026-02-26"), "channel": "in_netherlands"},
    }
    assert arrival_fix.changes == {
        "old": {"arrived_on": D("2026-03-01")},
        "new": {"arrived_on": D("2026-03-02")},
    }
    assert history[2].changes is None and history[2].reason is None


def test_known_at_works_across_snapshots_on_a_long_case(nareis: Nareis, case_with_partner):
    case_id, member_id = case_with_partner
    app = nareis.application
    instants = []
    for number in range(1, 131):
        app.execute(
            ReceiveDocument(case_id, member_id, D("2026-01-01"), "other", bool(number % 2)), CTX
        )
        instants.append(recorded_now())
    for documents in (1, 48, 49, 50, 99, 130):
        at = app.get_case(case_id, known_at=instants[documents - 1])
        assert at.version == documents + 2
        assert len(at.facts.members[0].documents) == documents


def test_the_history_as_of_a_date_keeps_the_facts_that_counted_then(
    nareis: Nareis, case_with_partner
):
    case_id, member_id = case_with_partner
    app = nareis.application
    app.execute(GrantSponsorPermit(case_id, D("2025-11-30"), "independent"), CTX)
    app.execute(SubmitApplication(case_id, member_id, D("2026-02-27"), "mvv_abroad"), CTX)
    events = [e.event for e in app.history(case_id, as_of=D("2026-01-01"))]
    assert events == ["CaseOpened", "FamilyMemberRegistered", "SponsorPermitGranted"]
    assert len(app.history(case_id, as_of=D("2026-02-27"))) == 4


def test_the_history_as_of_any_date_keeps_the_facts_without_a_business_date(
    nareis: Nareis, case_with_partner
):
    # The sponsor arrived on 2025-05-28; the opening, registration and a correction of details
    # have no business date of their own and count at every date.
    case_id, member_id = case_with_partner
    app = nareis.application
    corrected = replace(a_sponsor(), name="Amal H.")
    app.execute(CorrectSponsorDetails(case_id, corrected, correction_reason="spelling"), CTX)
    app.execute(RecordArrival(case_id, member_id, D("2025-05-28")), CTX)
    for as_of in ("1990-01-01", "2025-05-27"):
        events = [e.event for e in app.history(case_id, as_of=D(as_of))]
        assert events == ["CaseOpened", "FamilyMemberRegistered", "SponsorDetailsCorrected"]
    events = [e.event for e in app.history(case_id, as_of=D("2025-05-28"))]
    assert events[-1] == "FamilyMemberArrived"
