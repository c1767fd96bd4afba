"""The command path on fakes: every command through `execute` on the in-memory store, with a fixed
clock and a dependent-permit index that answers from a table; the expected version, idempotency,
and the retry when another writer wins the race."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import fields
from itertools import pairwise
from uuid import UUID

import pytest
from eventsourcing.persistence import IntegrityError

from application.commands import (
    Command,
    CorrectMemberDetails,
    CorrectSponsorDetails,
    ExtendDecisionPeriod,
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
from application.errors import ConcurrencyConflict, IdempotencyKeyReused, VersionMismatch
from application.handlers import HANDLERS, Forward
from application.permit_index import StoredPermitIndex
from application.results import CommandResult
from application.service import (
    COMMAND_ATTEMPTS,
    SNAPSHOT_INTERVAL,
    CommandContext,
    NareisApplication,
    snapshot_step,
)
from domain.calendar import ATW_CALENDAR
from domain.case import Case
from domain.errors import (
    ApplicationMissing,
    GrantRequiresEligibility,
    MemberWithdrawn,
)
from domain.permit_index import Holding
from tests.service.fakes import (
    FULL_FILE,
    D,
    FakePermitIndex,
    FixedClock,
    InMemoryNareis,
    RivalWriter,
    a_partner,
    a_sponsor,
    in_memory_application,
)

ALICE = CommandContext("alice")
SPONSOR = "1000000001"
HOLDER = "2000000001"


@pytest.fixture
def index() -> FakePermitIndex:
    return FakePermitIndex()


@pytest.fixture
def app(index: FakePermitIndex) -> NareisApplication:
    return in_memory_application(index)


def keyed(key: str, actor: str = "alice", expected_version: int | None = None) -> CommandContext:
    return CommandContext(actor, expected_version, key)


# --- cases at a stage --------------------------------------------------------------------------


def opened(app: NareisApplication) -> tuple[str, str]:
    return app.execute(OpenCase(a_sponsor(SPONSOR)), ALICE).case_id, ""


def registered(app: NareisApplication, v_number: str | None = None) -> tuple[str, str]:
    case_id, _ = opened(app)
    app.execute(GrantSponsorPermit(case_id, D("2025-11-30"), "independent"), ALICE)
    member_id = app.execute(RegisterMember(case_id, a_partner(v_number)), ALICE).member_id
    assert member_id is not None
    return case_id, member_id


def applied(app: NareisApplication, v_number: str | None = None) -> tuple[str, str]:
    case_id, member_id = registered(app, v_number)
    app.execute(SubmitApplication(case_id, member_id, D("2026-02-27"), "mvv_abroad"), ALICE)
    for kind in FULL_FILE:
        app.execute(ReceiveDocument(case_id, member_id, D("2026-02-27"), kind, True), ALICE)
    return case_id, member_id


def granted(app: NareisApplication, v_number: str | None = None) -> tuple[str, str]:
    case_id, member_id = applied(app, v_number)
    app.execute(TakeDecision(case_id, member_id, D("2026-03-10"), "granted"), ALICE)
    return case_id, member_id


def events_of(app: NareisApplication, case_id: str) -> list[str]:
    return [type(e).__name__ for e in app.events.get(UUID(case_id))]


def version_of(app: NareisApplication, case_id: str) -> int:
    return app.get_case(case_id).version


def a_document(case_id: str, member_id: str, kind: str = "other") -> ReceiveDocument:
    return ReceiveDocument(case_id, member_id, D("2026-03-01"), kind, True)


# --- every command, once -----------------------------------------------------------------------

Stage = Callable[[NareisApplication], tuple[str, str]]
HAPPY_PATHS: list[tuple[Stage, Callable[[str, str], Command], str]] = [
    (
        opened,
        lambda c, m: CorrectSponsorDetails(
            c, a_sponsor(SPONSOR, "Amal Saleh"), correction_reason="spelling"
        ),
        "SponsorDetailsCorrected",
    ),
    (
        opened,
        lambda c, m: GrantSponsorPermit(c, D("2025-11-30"), "independent"),
        "SponsorPermitGranted",
    ),
    (opened, lambda c, m: RegisterMember(c, a_partner()), "FamilyMemberRegistered"),
    (
        registered,
        lambda c, m: CorrectMemberDetails(
            c, m, a_partner(name="Samir Saleh"), correction_reason="spelling"
        ),
        "FamilyMemberDetailsCorrected",
    ),
    (registered, lambda c, m: RecordArrival(c, m, D("2026-03-01")), "FamilyMemberArrived"),
    (
        registered,
        lambda c, m: SubmitApplication(c, m, D("2026-02-27"), "mvv_abroad"),
        "ApplicationSubmitted",
    ),
    (registered, a_document, "DocumentReceived"),
    (
        registered,
        lambda c, m: RecordAssessment(c, m, D("2026-03-01"), "identity_established", "met", ""),
        "AssessmentRecorded",
    ),
    (applied, lambda c, m: TakeDecision(c, m, D("2026-03-10"), "granted"), "DecisionTaken"),
    (granted, lambda c, m: IssuePermit(c, m, D("2026-03-12"), D("2026-03-10")), "PermitIssued"),
    (
        applied,
        lambda c, m: Withdraw(c, m, D("2026-03-01"), "stays behind"),
        "ApplicationWithdrawn",
    ),
    (
        applied,
        lambda c, m: ExtendDecisionPeriod(c, m, D("2026-03-01"), "more time"),
        "DecisionPeriodExtended",
    ),
]


@pytest.mark.parametrize(
    ("stage", "command", "event"), HAPPY_PATHS, ids=[event for _, _, event in HAPPY_PATHS]
)
def test_each_command_records_its_event_for_its_actor_and_answers_the_new_version(
    app: NareisApplication, stage: Stage, command: Callable[[str, str], Command], event: str
):
    case_id, member_id = stage(app)
    version = version_of(app, case_id)
    sent = command(case_id, member_id)
    result = app.execute(sent, ALICE)
    member_id_made = sent.member_id if isinstance(sent, RegisterMember) else None
    assert result == CommandResult(case_id, version + 1, member_id_made)
    assert events_of(app, case_id)[-1] == event
    assert list(app.events.get(UUID(case_id)))[-1].actor == "alice"


FORWARDED = [(t, h) for t, h in HANDLERS.items() if isinstance(h, Forward)]


@pytest.mark.parametrize(
    ("command_type", "handler"), FORWARDED, ids=[h.method for _, h in FORWARDED]
)
def test_a_forwarded_command_names_fields_it_has_as_the_case_methods_leading_parameters(
    command_type: type, handler: Forward
):
    assert set(handler.fields) <= {f.name for f in fields(command_type)}
    parameters = list(inspect.signature(getattr(Case, handler.method)).parameters)
    assert tuple(parameters[1 : 1 + len(handler.fields)]) == handler.fields


def test_opening_a_case_records_it_under_the_id_made_with_the_command(app: NareisApplication):
    command = OpenCase(a_sponsor())
    assert app.execute(command, ALICE) == CommandResult(command.case_id, 1)
    assert events_of(app, command.case_id) == ["CaseOpened"]


def test_a_command_that_changes_nothing_records_nothing_and_answers_the_current_version(
    app: NareisApplication,
):
    case_id, _ = registered(app)
    same_grant = GrantSponsorPermit(case_id, D("2025-11-30"), "independent")
    assert app.execute(same_grant, ALICE) == CommandResult(case_id, 3)
    assert len(events_of(app, case_id)) == 3


# --- the expected version (If-Match) -----------------------------------------------------------


def test_a_command_expecting_another_version_is_refused_and_records_nothing(app):
    case_id, member_id = registered(app)
    with pytest.raises(VersionMismatch) as refused:
        app.execute(a_document(case_id, member_id), CommandContext("alice", expected_version=2))
    assert (refused.value.expected, refused.value.actual) == (2, 3)
    assert version_of(app, case_id) == 3


def test_a_command_expecting_the_current_version_is_recorded(app: NareisApplication):
    case_id, member_id = registered(app)
    result = app.execute(a_document(case_id, member_id), CommandContext("alice", 3))
    assert result.version == 4


# --- idempotency -------------------------------------------------------------------------------


def test_a_command_sent_again_with_its_key_gets_the_first_answer_and_records_nothing(app):
    case_id, member_id = registered(app)
    first = app.execute(a_document(case_id, member_id), keyed("doc-1"))
    app.execute(a_document(case_id, member_id), ALICE)  # the case moves on
    assert app.execute(a_document(case_id, member_id), keyed("doc-1")) == first
    assert events_of(app, case_id).count("DocumentReceived") == 2


def test_a_registration_sent_again_with_its_key_answers_the_member_made_the_first_time(app):
    case_id, _ = opened(app)
    first = app.execute(RegisterMember(case_id, a_partner()), keyed("member-1"))
    again = RegisterMember(case_id, a_partner())  # built again: a new member id
    assert again.member_id != first.member_id
    assert app.execute(again, keyed("member-1")) == first
    assert [m.member_id for m in app.get_case(case_id).facts.members] == [first.member_id]


def test_opening_a_case_again_with_its_key_answers_the_case_opened_the_first_time(app):
    first = app.execute(OpenCase(a_sponsor()), keyed("open-1"))
    assert app.execute(OpenCase(a_sponsor()), keyed("open-1")) == first


@pytest.mark.parametrize(
    "other",
    [
        lambda c, m: a_document(c, m, kind="identity_document"),
        lambda c, m: RecordArrival(c, m, D("2026-03-01")),
    ],
    ids=["the same command with another value", "another command"],
)
def test_a_key_sent_with_another_command_is_refused_and_records_nothing(
    app: NareisApplication, other: Callable[[str, str], Command]
):
    case_id, member_id = registered(app)
    app.execute(a_document(case_id, member_id), keyed("k"))
    with pytest.raises(IdempotencyKeyReused):
        app.execute(other(case_id, member_id), keyed("k"))
    assert version_of(app, case_id) == 4


def test_a_key_belongs_to_its_actor(app: NareisApplication):
    case_id, member_id = registered(app)
    alices = app.execute(a_document(case_id, member_id), keyed("k"))
    bobs = app.execute(a_document(case_id, member_id), keyed("k", actor="bob"))
    assert (alices.version, bobs.version) == (4, 5)


def test_a_command_that_changes_nothing_still_keeps_its_answer_for_its_key(app):
    case_id, member_id = registered(app)
    same_grant = GrantSponsorPermit(case_id, D("2025-11-30"), "independent")
    first = app.execute(same_grant, keyed("g"))
    app.execute(a_document(case_id, member_id), ALICE)
    assert app.execute(same_grant, keyed("g")) == first == CommandResult(case_id, 3)


def test_a_refused_command_does_not_use_up_its_key(app: NareisApplication):
    case_id, member_id = registered(app)
    decision = TakeDecision(case_id, member_id, D("2026-03-10"), "refused", ("identity_proven",))
    with pytest.raises(ApplicationMissing):
        app.execute(decision, keyed("d"))
    app.execute(SubmitApplication(case_id, member_id, D("2026-02-27"), "mvv_abroad"), ALICE)
    assert app.execute(decision, keyed("d")).version == 5


def test_a_commands_digest_is_the_same_in_every_process_and_leaves_out_the_ids_it_creates():
    # Digests are stored with idempotency keys: a change here makes every stored key answer 409.
    document = ReceiveDocument("c", "m", D("2026-03-01"), "other", True)
    assert document.fingerprint() == (
        "e6870aded488c4389be645984eaa1062bd3e4f9012dec4b29bca1700b3bfae69"
    )
    registration = RegisterMember("c", a_partner(HOLDER))
    assert (
        registration.fingerprint()
        == RegisterMember("c", a_partner(HOLDER)).fingerprint()
        == ("304ca892dc4ae29047ef3ee25107076002e78a5b9b8f7137c5626278d1cd94f0")
    )


# --- another writer wins the race --------------------------------------------------------------


def test_a_command_without_if_match_that_loses_the_race_once_is_recorded_on_the_newer_case(app):
    case_id, member_id = registered(app)
    rival = RivalWriter(app, lambda: a_document(case_id, member_id), times=1)
    result = app.execute(RecordArrival(case_id, member_id, D("2026-03-01")), ALICE)
    assert rival.saves_lost == 1
    assert result == CommandResult(case_id, 5)
    assert events_of(app, case_id)[3:] == ["DocumentReceived", "FamilyMemberArrived"]


def test_a_command_that_loses_the_race_is_checked_again_and_the_newer_case_can_refuse_it(app):
    case_id, member_id = applied(app)
    RivalWriter(app, lambda: Withdraw(case_id, member_id, D("2026-03-01"), "stays"), times=1)
    with pytest.raises(MemberWithdrawn):
        app.execute(TakeDecision(case_id, member_id, D("2026-03-10"), "granted"), ALICE)
    assert events_of(app, case_id)[-1] == "ApplicationWithdrawn"


def test_a_command_that_loses_every_race_is_a_concurrent_modification_and_records_nothing(app):
    case_id, member_id = registered(app)
    rival = RivalWriter(app, lambda: a_document(case_id, member_id), times=COMMAND_ATTEMPTS)
    with pytest.raises(ConcurrencyConflict):
        app.execute(RecordArrival(case_id, member_id, D("2026-03-01")), keyed("arrival"))
    assert rival.saves_lost == COMMAND_ATTEMPTS
    assert "FamilyMemberArrived" not in events_of(app, case_id)
    assert app.recorder.find_idempotency_record("alice\narrival") is None


def test_a_command_with_if_match_that_loses_the_race_is_a_version_mismatch_without_a_retry(app):
    case_id, member_id = registered(app)
    rival = RivalWriter(app, lambda: a_document(case_id, member_id), times=COMMAND_ATTEMPTS)
    with pytest.raises(VersionMismatch) as refused:
        app.execute(RecordArrival(case_id, member_id, D("2026-03-01")), CommandContext("alice", 3))
    assert (refused.value.expected, refused.value.actual) == (3, 4)
    assert rival.saves_lost == 1  # checked again, never tried again
    assert "FamilyMemberArrived" not in events_of(app, case_id)


def test_a_command_that_loses_the_race_to_the_same_key_gets_that_answer(app):
    case_id, member_id = registered(app)
    document = a_document(case_id, member_id)
    rival = RivalWriter(app, lambda: document, times=1)
    rival.context = keyed("doc")
    assert app.execute(document, keyed("doc")) == CommandResult(case_id, 4)
    assert events_of(app, case_id).count("DocumentReceived") == 1


# --- the dependent-permit index ----------------------------------------------------------------


def test_a_grant_is_refused_while_the_index_says_the_sponsor_holds_a_dependent_permit(
    app: NareisApplication, index: FakePermitIndex
):
    case_id, member_id = applied(app)
    index.holders[SPONSOR] = D("2026-03-01")
    with pytest.raises(GrantRequiresEligibility) as refused:
        app.execute(TakeDecision(case_id, member_id, D("2026-03-10"), "granted"), ALICE)
    assert "sponsor_permit_independent (not_met)" in refused.value.detail
    assert "DecisionTaken" not in events_of(app, case_id)


def test_the_index_is_asked_as_of_the_decision_date(app, index: FakePermitIndex):
    case_id, member_id = applied(app)
    index.holders[SPONSOR] = D("2026-03-12")
    app.execute(TakeDecision(case_id, member_id, D("2026-03-10"), "granted"), ALICE)
    assert app.get_case(case_id).facts.members[0].is_granted


def test_a_permit_and_a_v_number_correction_tell_the_index_how_the_holdings_change(
    app: NareisApplication, index: FakePermitIndex
):
    case_id, member_id = granted(app, v_number=HOLDER)
    app.execute(IssuePermit(case_id, member_id, D("2026-03-12"), D("2026-03-10")), ALICE)
    app.execute(
        CorrectMemberDetails(case_id, member_id, a_partner("2999999999"), correction_reason="typo"),
        ALICE,
    )
    held = Holding(HOLDER, case_id, member_id, D("2026-03-12"))
    moved = Holding("2999999999", case_id, member_id, D("2026-03-12"))
    assert index.changes == [(frozenset(), {held}), ({held}, {moved})]


def test_the_index_entry_is_saved_with_the_permit_and_lost_with_it():
    app = in_memory_application()  # the real index, in the same in-memory store
    case_id, member_id = granted(app, v_number=HOLDER)
    permit = IssuePermit(case_id, member_id, D("2026-03-12"), D("2026-03-10"))
    RivalWriter(app, lambda: a_document(case_id, member_id), times=COMMAND_ATTEMPTS)
    with pytest.raises(ConcurrencyConflict):
        app.execute(permit, ALICE)
    assert StoredPermitIndex(app).find(HOLDER) is None

    app.execute(permit, ALICE)
    found = StoredPermitIndex(app).find(HOLDER)
    assert found is not None
    assert found.holdings() == {Holding(HOLDER, case_id, member_id, D("2026-03-12"))}


# --- work after the commit ---------------------------------------------------------------------


def test_a_snapshot_that_fails_after_the_commit_neither_fails_nor_repeats_the_command(
    app: NareisApplication, monkeypatch: pytest.MonkeyPatch
):
    case_id, member_id = registered(app)
    for _ in range(46):
        app.execute(a_document(case_id, member_id), ALICE)
    assert version_of(app, case_id) == 49
    assert app.snapshots is not None

    def broken(*_: object, **__: object) -> None:
        raise IntegrityError("a snapshot of version 50 is already stored")  # not a lost race

    monkeypatch.setattr(app.snapshots, "put", broken)
    assert app.execute(a_document(case_id, member_id), ALICE).version == 50
    assert len(events_of(app, case_id)) == 50


def test_a_long_case_is_snapshotted_less_often_but_never_more_than_an_eighth_behind():
    versions = [v for v in range(1, 20_001) if v % snapshot_step(v) == 0]
    assert versions[:3] == [50, 100, 150]
    gaps = [(later, later - earlier) for earlier, later in pairwise(versions)]
    assert all(gap <= max(SNAPSHOT_INTERVAL, (later + 1) // 8) for later, gap in gaps)
    assert len(versions) < 200  # a fixed interval of 50 would take 400


def test_a_commit_listener_that_fails_neither_fails_nor_repeats_the_command(
    app: NareisApplication,
):
    case_id, member_id = registered(app)

    def broken_listener() -> None:
        raise OSError("the projection worker could not be woken")

    app.on_commit(broken_listener)
    version = app.execute(a_document(case_id, member_id), ALICE).version
    assert len(events_of(app, case_id)) == version


def test_a_permit_under_the_sponsors_v_number_saved_during_a_grant_makes_it_checked_again():
    # The real index: the rival issues a dependent permit to a member whose V-number is this
    # case's sponsor's, between the decision's read of the index and its save.
    app = in_memory_application()
    holder_case, holder = granted(app, v_number=SPONSOR)
    case_id, member_id = applied(app)
    permit = IssuePermit(holder_case, holder, D("2026-03-12"), D("2026-03-10"))
    rival = RivalWriter(app, lambda: permit, times=1)

    with pytest.raises(GrantRequiresEligibility) as refused:
        app.execute(TakeDecision(case_id, member_id, D("2026-03-20"), "granted"), ALICE)

    assert rival.saves_lost == 1
    assert "sponsor_permit_independent (not_met)" in refused.value.detail
    assert "DecisionTaken" not in events_of(app, case_id)


def test_a_grant_notes_the_index_it_was_decided_on_and_a_refusal_does_not():
    app = in_memory_application()
    granted(app)
    index = StoredPermitIndex(app).find(SPONSOR)
    assert index is not None
    assert [type(e).__name__ for e in app.events.get(index.id)] == [
        "IndexOpened",
        "GrantDecidedOnIndex",
    ]
    assert index.holdings() == frozenset()
    other, refused_member = applied(app)
    app.execute(TakeDecision(other, refused_member, D("2026-03-10"), "refused", ("timely",)), ALICE)
    assert index.version == StoredPermitIndex(app).find(SPONSOR).version  # type: ignore[union-attr]


def test_a_grant_is_judged_with_the_calendar_the_application_counts_terms_with():
    # Granted 2026-03-01: the term ends Monday 2026-06-01, or 2026-06-02 once that Monday is
    # decreed a holiday. An application on 2026-06-02 is timely only under the second calendar.
    decreed = ATW_CALENDAR.with_decreed_days([D("2026-06-01")])
    for calendar, eligible in ((ATW_CALENDAR, False), (decreed, True)):
        app = InMemoryNareis(
            {"PERSISTENCE_MODULE": "eventsourcing.popo"}, clock=FixedClock(), calendar=calendar
        )
        case_id, _ = opened(app)
        app.execute(GrantSponsorPermit(case_id, D("2026-03-01"), "independent"), ALICE)
        member_id = app.execute(RegisterMember(case_id, a_partner()), ALICE).member_id
        assert member_id is not None
        app.execute(SubmitApplication(case_id, member_id, D("2026-06-02"), "mvv_abroad"), ALICE)
        for kind in FULL_FILE:
            app.execute(ReceiveDocument(case_id, member_id, D("2026-06-02"), kind, True), ALICE)
        decide = TakeDecision(case_id, member_id, D("2026-06-10"), "granted")
        answer = app.eligibility(case_id, D("2026-06-10")).members[0]
        assert (answer.overall == "eligible") is eligible
        if eligible:
            app.execute(decide, ALICE)
            assert app.get_case(case_id).facts.members[0].is_granted
        else:
            with pytest.raises(GrantRequiresEligibility):
                app.execute(decide, ALICE)
