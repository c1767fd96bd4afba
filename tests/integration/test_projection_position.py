"""The projection's position moves past the events the read model does not follow, so a wake
after a save reads what came since, not every unfollowed event after the last followed one."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from eventsourcing.persistence import Notification

from application.commands import ReceiveDocument
from application.projections import catch_up
from infrastructure.composition import Nareis
from tests.integration.conftest import CTX, FULL_FILE, D, granted_member_case


def notifications_read(
    nareis: Nareis, monkeypatch: pytest.MonkeyPatch
) -> list[Sequence[Notification]]:
    """Every answer of the event store's `select_notifications` from now on."""
    recorder = nareis.application.recorder
    real, answers = recorder.select_notifications, []

    def counted(*args: Any, **kwargs: Any) -> Sequence[Notification]:
        answer = real(*args, **kwargs)
        answers.append(answer)
        return answer

    monkeypatch.setattr(recorder, "select_notifications", counted)
    return answers


def receive_documents(nareis: Nareis, case_id: str, member_id: str, count: int) -> None:
    """Events the read model does not follow."""
    for kind in (FULL_FILE * count)[:count]:
        nareis.application.execute(
            ReceiveDocument(case_id, member_id, D("2026-03-20"), kind, True), CTX
        )


def test_a_catch_up_over_a_log_ending_in_unfollowed_events_tracks_the_last_notification(
    nareis: Nareis, monkeypatch: pytest.MonkeyPatch
):
    app = nareis.application
    case_id, member_id = granted_member_case(nareis)
    receive_documents(nareis, case_id, member_id, 7)
    answers = notifications_read(nareis, monkeypatch)

    catch_up(app, nareis.read_model, batch_size=3)

    assert nareis.read_model.view.max_tracking_id(app.name) == app.recorder.max_notification_id()
    assert not any(answers[-1])  # the last batch read no followed event and still moved on


def test_a_second_catch_up_does_not_ask_the_event_store_for_notifications(
    nareis: Nareis, monkeypatch: pytest.MonkeyPatch
):
    case_id, member_id = granted_member_case(nareis)
    receive_documents(nareis, case_id, member_id, 7)
    nareis.catch_up()
    answers = notifications_read(nareis, monkeypatch)

    assert nareis.catch_up() == 0
    assert answers == []  # not even a scan of the unfollowed events after the last followed


def test_a_wake_after_unfollowed_events_reads_only_what_came_since(
    nareis: Nareis, monkeypatch: pytest.MonkeyPatch
):
    case_id, member_id = granted_member_case(nareis)
    receive_documents(nareis, case_id, member_id, 20)
    nareis.catch_up()
    receive_documents(nareis, case_id, member_id, 1)
    answers = notifications_read(nareis, monkeypatch)

    nareis.catch_up()

    assert [len(answer) for answer in answers] == [0]  # one look, at the new event alone
    app = nareis.application
    assert nareis.read_model.view.max_tracking_id(app.name) == app.recorder.max_notification_id()
