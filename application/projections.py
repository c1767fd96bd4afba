"""Projections of the event log: read models across cases, updated exactly once per event.

`DependentPermitHoldersProjection` keeps, for the cross-case rule `sponsor_permit_independent`, every
family member who holds a dependent permit (PermitIssued) with their V-number. Each event's view rows
and its tracking position are written in one transaction by the view (a `TrackingRecorder`).

SQLite has no subscriptions, so `catch_up` reads the application's notification log from the view's
tracking position; `ProjectionRunner` can take over where a recorder supports `subscribe()`.
"""

from __future__ import annotations

from abc import abstractmethod
from datetime import date, datetime
from functools import singledispatchmethod
from typing import Any

from eventsourcing.application import Application
from eventsourcing.persistence import IntegrityError, Tracking, TrackingRecorder
from eventsourcing.projection import Projection
from eventsourcing.utils import get_topic

from domain.case import Case

CATCH_UP_BATCH = 500


class DependentPermitHoldersView(TrackingRecorder):
    """The materialized view behind `DependentPermitRegister`."""

    @abstractmethod
    def record_member(
        self,
        case_id: str,
        member_id: str,
        v_number: str | None,
        recorded_at: datetime,
        tracking: Tracking,
    ) -> None:
        """A member's V-number from `recorded_at` on (registration or correction)."""

    @abstractmethod
    def record_permit(
        self,
        case_id: str,
        member_id: str,
        issued_on: date,
        recorded_at: datetime,
        tracking: Tracking,
    ) -> None: ...

    @abstractmethod
    def dump(self) -> dict[str, list[tuple]]:
        """Every row of every table of the view (for verification)."""

    @abstractmethod
    def holds_dependent_permit(
        self, v_number: str, on: date, known_at: datetime | None = None
    ) -> bool: ...


class DependentPermitHoldersProjection(Projection[DependentPermitHoldersView]):
    name = "dependent_permit_holders"
    topics = (
        get_topic(Case.FamilyMemberRegistered),
        get_topic(Case.FamilyMemberDetailsCorrected),
        get_topic(Case.PermitIssued),
    )

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        """Events of other types are not selected (see `topics`)."""

    @process_event.register
    def _(self, domain_event: Case.FamilyMemberRegistered, tracking: Tracking) -> None:
        self._record_member(domain_event, tracking)

    @process_event.register
    def _(self, domain_event: Case.FamilyMemberDetailsCorrected, tracking: Tracking) -> None:
        self._record_member(domain_event, tracking)

    @process_event.register
    def _(self, domain_event: Case.PermitIssued, tracking: Tracking) -> None:
        self.view.record_permit(
            str(domain_event.originator_id),
            domain_event.member_id,
            domain_event.issued_on,
            domain_event.timestamp,
            tracking,
        )

    def _record_member(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.record_member(
            str(domain_event.originator_id),
            domain_event.member_id,
            domain_event.v_number,
            domain_event.timestamp,
            tracking,
        )


def catch_up(
    application: Application[Any], projection: Projection[Any], batch_size: int = CATCH_UP_BATCH
) -> int:
    """Process every event the view has not tracked yet, oldest first; return how many.

    Another thread or process may be catching up the same view: the view refuses a position it has
    already tracked (IntegrityError), and this loop then resumes from the view's newer position.
    """
    view: TrackingRecorder = projection.view
    processed = 0
    while True:
        position = view.max_tracking_id(application.name) or 0
        notifications = application.recorder.select_notifications(
            start=position,
            limit=batch_size,
            topics=projection.topics,
            inclusive_of_start=False,
        )
        if not notifications:
            return processed
        try:
            for notification in notifications:
                domain_event = application.mapper.to_domain_event(notification)
                projection.process_event(domain_event, Tracking(application.name, notification.id))
                processed += 1
        except IntegrityError:
            continue
