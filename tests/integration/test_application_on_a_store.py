"""The application on each real store (a SQLite file, a PostgreSQL database): durability,
snapshots, idempotency, concurrency."""

from __future__ import annotations

import copy
from collections.abc import Iterator

import pytest
from eventsourcing.application import project_aggregate
from eventsourcing.persistence import IntegrityError

from application.commands import (
    GrantSponsorPermit,
    OpenCase,
    ReceiveDocument,
    RecordArrival,
    RegisterMember,
)
from application.errors import ConcurrencyConflict, IdempotencyKeyReused, VersionMismatch
from application.ports import IdempotencyRecord
from application.service import CommandContext
from domain.errors import CaseNotFound, MemberNotFound
from infrastructure.composition import Nareis
from infrastructure.persistence import environment_for
from infrastructure.settings import ConfigurationError
from tests.integration.conftest import (
    CTX,
    D,
    a_partner,
    a_sponsor,
    events_table,
    granted_member_case,
    open_system,
    sql_rows,
)


def keyed(key: str, expected_version: int | None = None) -> CommandContext:
    return CommandContext("alice", expected_version, key)


def test_every_case_is_still_there_after_the_system_is_closed_and_opened_again(database_url: str):
    first = open_system(database_url)
    case_id, _ = granted_member_case(first)
    before = first.application.get_case(case_id)
    first.close()

    second = open_system(database_url)
    after = second.application.get_case(case_id)
    assert after.facts == before.facts
    assert after.version == before.version == 11
    assert len(second.application.history(case_id)) == 11
    second.close()


def test_snapshots_are_taken_and_give_the_same_case_as_a_full_replay(nareis: Nareis, database_url):
    app = nareis.application
    case_id = app.execute(OpenCase(a_sponsor()), CTX).case_id
    member_id = app.execute(RegisterMember(case_id, a_partner()), CTX).member_id
    for day in range(1, 121):
        app.execute(
            ReceiveDocument(
                case_id, member_id, D("2026-01-01").replace(day=1 + day % 28), "other", False
            ),
            CTX,
        )
    [(snapshots,)] = sql_rows(
        database_url, f"SELECT COUNT(*) FROM {events_table(database_url, 'snapshots_v2')}"
    )
    assert snapshots == 2  # versions 50 and 100
    from_snapshot = app.get_case(case_id).facts
    replayed = project_aggregate(None, app.events.get(app._case_uuid(case_id)))
    assert replayed.facts() == from_snapshot
    assert len(from_snapshot.members[0].documents) == 120


def test_a_snapshot_holds_the_case_as_replayed_and_a_load_reads_only_the_events_after_it(
    nareis: Nareis, database_url: str
):
    app = nareis.application
    case_id = app.execute(OpenCase(a_sponsor()), CTX).case_id
    member_id = app.execute(RegisterMember(case_id, a_partner()), CTX).member_id
    for _ in range(118):
        app.execute(ReceiveDocument(case_id, member_id, D("2026-01-02"), "other", False), CTX)
    case_uuid = app._case_uuid(case_id)
    assert app.snapshots is not None
    [snapshot] = app.snapshots.get(case_uuid, desc=True, limit=1)
    assert snapshot.originator_version == 100
    replayed = project_aggregate(None, app.events.get(case_uuid, lte=100))
    assert vars(snapshot.mutate(None)) == vars(replayed)

    fresh = open_system(database_url)  # no cached case: loaded from the snapshot
    read: list[int] = []
    events_get = fresh.application.events.get

    def counted(*args: object, **kwargs: object) -> Iterator[object]:
        for event in events_get(*args, **kwargs):  # type: ignore[arg-type]
            read.append(event.originator_version)
            yield event

    fresh.application.events.get = counted  # type: ignore[method-assign]
    try:
        loaded = fresh.application._get(case_id)
    finally:
        fresh.close()
    assert read == list(range(101, 121))
    assert vars(loaded) == vars(project_aggregate(None, app.events.get(case_uuid)))


def test_an_idempotent_resend_answers_the_first_answer_and_records_nothing(nareis: Nareis):
    app = nareis.application
    first = app.execute(OpenCase(a_sponsor()), keyed("open-1"))
    again = app.execute(OpenCase(a_sponsor()), keyed("open-1"))
    assert again == first
    member = app.execute(RegisterMember(first.case_id, a_partner()), keyed("member-1"))
    assert app.execute(RegisterMember(first.case_id, a_partner()), keyed("member-1")) == member
    assert app.get_case(first.case_id).version == 2
    assert len(app.get_case(first.case_id).facts.members) == 1


def test_a_command_with_a_new_key_reads_no_key_and_its_resend_reads_one(
    nareis: Nareis, monkeypatch
):
    app = nareis.application
    case_id = app.execute(OpenCase(a_sponsor()), CTX).case_id
    looked_up: list[str] = []
    find = app.recorder.find_idempotency_record

    def counted(key: str) -> IdempotencyRecord | None:
        looked_up.append(key)
        return find(key)

    monkeypatch.setattr(app.recorder, "find_idempotency_record", counted)
    first = app.execute(GrantSponsorPermit(case_id, D("2025-11-30"), "independent"), keyed("g"))
    assert looked_up == []
    again = app.execute(GrantSponsorPermit(case_id, D("2025-11-30"), "independent"), keyed("g"))
    assert again == first
    assert looked_up == ["alice\ng"]
    assert app.get_case(case_id).version == 2


def test_an_idempotency_key_sent_with_another_command_is_refused(nareis: Nareis):
    app = nareis.application
    app.execute(OpenCase(a_sponsor()), keyed("open-1"))
    with pytest.raises(IdempotencyKeyReused):
        app.execute(OpenCase(a_sponsor("1000000002")), keyed("open-1"))


def test_idempotency_keys_are_kept_across_a_restart(database_url: str):
    first = open_system(database_url)
    answer = first.application.execute(OpenCase(a_sponsor()), keyed("open-1"))
    first.close()
    second = open_system(database_url)
    assert second.application.execute(OpenCase(a_sponsor()), keyed("open-1")) == answer
    second.close()


def test_a_resend_that_records_nothing_still_keeps_its_key(nareis: Nareis):
    app = nareis.application
    case_id = app.execute(OpenCase(a_sponsor()), CTX).case_id
    app.execute(GrantSponsorPermit(case_id, D("2025-11-30"), "independent"), CTX)
    same = app.execute(GrantSponsorPermit(case_id, D("2025-11-30"), "independent"), keyed("g"))
    assert same.version == app.get_case(case_id).version == 2  # nothing recorded
    # Another command moves the case on; the key still answers what it answered first.
    app.execute(RegisterMember(case_id, a_partner()), CTX)
    assert (
        app.execute(GrantSponsorPermit(case_id, D("2025-11-30"), "independent"), keyed("g")) == same
    )


def test_a_stale_expected_version_is_refused_and_records_nothing(nareis: Nareis):
    app = nareis.application
    case_id = app.execute(OpenCase(a_sponsor()), CTX).case_id
    with pytest.raises(VersionMismatch):
        app.execute(
            GrantSponsorPermit(case_id, D("2025-11-30"), "independent"),
            CommandContext("alice", expected_version=7),
        )
    assert app.get_case(case_id).version == 1
    app.execute(
        GrantSponsorPermit(case_id, D("2025-11-30"), "independent"),
        CommandContext("alice", expected_version=1),
    )
    assert app.get_case(case_id).version == 2


def test_two_processes_writing_the_same_case_at_once_conflict_and_the_loser_keeps_no_key(
    database_url: str,
):
    one, two = open_system(database_url), open_system(database_url)
    case_id = one.application.execute(OpenCase(a_sponsor()), CTX).case_id
    member_id = one.application.execute(RegisterMember(case_id, a_partner()), CTX).member_id
    # Both load version 2; the first to save wins, the second's events and key roll back together.
    loser_case = two.application.repository.get(two.application._case_uuid(case_id))
    one.application.execute(RecordArrival(case_id, member_id, D("2026-03-01")), CTX)
    loser_case.receive_document(
        member_id, D("2026-03-01"), "other", True, actor="bob", today=D("2026-11-28")
    )
    record = IdempotencyRecord("bob\nk", "fp", {"case_id": case_id})
    with pytest.raises(IntegrityError):
        two.application.save(loser_case, idempotency=record)
    assert two.application.recorder.find_idempotency_record("bob\nk") is None
    assert one.application.get_case(case_id).version == 3
    one.close()
    two.close()


def test_a_concurrent_change_surfaces_as_a_conflict_not_as_a_crash(database_url: str, monkeypatch):
    one, two = open_system(database_url), open_system(database_url)
    case_id = one.application.execute(OpenCase(a_sponsor()), CTX).case_id
    member_id = one.application.execute(RegisterMember(case_id, a_partner()), CTX).member_id
    app = two.application
    stale = app.repository.get(app._case_uuid(case_id))
    one.application.execute(RecordArrival(case_id, member_id, D("2026-03-01")), CTX)
    monkeypatch.setattr(app, "_get", lambda _: copy.deepcopy(stale))  # loses every attempt
    with pytest.raises(ConcurrencyConflict):
        app.execute(
            ReceiveDocument(case_id, member_id, D("2026-03-01"), "other", True), keyed("k-doc")
        )
    assert app.recorder.find_idempotency_record("alice\nk-doc") is None
    one.close()
    two.close()


def test_unknown_cases_and_members_are_not_found(nareis: Nareis):
    app = nareis.application
    with pytest.raises(CaseNotFound):
        app.get_case("not-a-uuid")
    with pytest.raises(CaseNotFound):
        app.history("4f1c2a57-1111-4222-8333-444455556666")
    case_id = app.execute(OpenCase(a_sponsor()), CTX).case_id
    with pytest.raises(MemberNotFound):
        app.execute(RecordArrival(case_id, "nobody", D("2026-03-01")), CTX)


@pytest.mark.parametrize(
    "url",
    ["mysql://x", "sqlite://", "sqlite:///", "nonsense", "postgresql://u:p@h", "postgresql:///db"],
    ids=[
        "unknown scheme",
        "sqlite without path",
        "sqlite with empty path",
        "no scheme",
        "postgresql without a database",
        "postgresql without a host",
    ],
)
def test_an_unusable_database_url_is_a_clear_configuration_error(url: str):
    with pytest.raises(ConfigurationError):
        environment_for(url)


def test_the_in_memory_store_is_shared_by_every_connection_and_thread():
    from concurrent.futures import ThreadPoolExecutor

    from infrastructure.composition import build
    from infrastructure.settings import Settings

    system = build(Settings(database_url="memory://"))
    app = system.application
    with ThreadPoolExecutor(4) as pool:
        ids = list(
            pool.map(
                lambda i: app.execute(OpenCase(a_sponsor(f"10000000{i:02d}")), CTX).case_id,
                range(8),
            )
        )
    with ThreadPoolExecutor(4) as pool:
        versions = list(pool.map(lambda i: app.get_case(i).version, ids))
    assert versions == [1] * 8
    system.close()
