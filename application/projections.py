"""The read model: one projection of the event log into effective-dated rows across all cases.

Every row carries the instant the system learned it (`recorded_at`, from the event) and, once a
correction replaces it, the instant it stopped being the known value (`superseded_at`); rows with a
business date keep it too. Every value a correction can change is kept this way (the sponsor, the
grant, a member's details and facts), so "as of D, as known at K" is a filter on indexed columns,
never a replay, and it answers what the cases themselves answered as known at K.

Values the rules derive from dates (where a term ends, when a decision is due, whether a permit was
ready within target) are derived here, in Python, by the domain's own functions with the calendar
the projection was given (`Derivation`); the view records the fingerprint of that calendar and
policy data, so a read model derived with other data can be derived again (`rederive`).

The projection turns each event into row operations; the view applies a batch of them and the
tracking position of the batch's last event in one transaction, so every event is applied
exactly once, and a crash loses nothing but the batch it was writing.

SQLite has no subscriptions, so `catch_up` reads the application's notification log from the
view's tracking position; `ProjectionRunner` can take over where a recorder supports `subscribe()`.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property, singledispatchmethod
from typing import Any

from eventsourcing.application import Application
from eventsourcing.persistence import IntegrityError, Tracking, TrackingRecorder
from eventsourcing.projection import Projection
from eventsourcing.utils import get_topic

from domain.calendar import ATW_CALENDAR, AtwCalendar
from domain.case import Case
from domain.erasure import is_erased
from domain.policy import derivation_fingerprint
from domain.term import decision_due_on, journey_term, permit_ready_within_target
from domain.vocabulary import Criterion

CATCH_UP_BATCH = 1000


# --- row operations -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Derivation:
    """The values the read model stores that the domain derives from dates: computed by the domain
    functions with one calendar, so the rules live in one place."""

    calendar: AtwCalendar = ATW_CALENDAR

    @cached_property
    def fingerprint(self) -> str:
        return derivation_fingerprint(self.calendar)

    def term_ends_on(self, granted_on: date) -> date:
        return journey_term(granted_on, self.calendar).ends_on

    def decision_due_on(self, submitted_on: date) -> tuple[date, date]:
        """When the decision is due: without, and with, an extension."""
        return (
            decision_due_on(submitted_on, extended=False, calendar=self.calendar),
            decision_due_on(submitted_on, extended=True, calendar=self.calendar),
        )

    @staticmethod
    def permit_within_target(decided_on: date, issued_on: date) -> bool:
        return permit_ready_within_target(decided_on, issued_on)


@dataclass(frozen=True)
class CaseOpenedRow:
    case_id: str
    recorded_at: datetime


@dataclass(frozen=True)
class SponsorRow:
    """The sponsor's details as opened or corrected, known from `recorded_at` until a correction
    supersedes them (a listing as known at K shows the name known then; the route reads
    `arrived_on`). An erased case's name and V-number are None."""

    case_id: str
    version: int
    recorded_at: datetime
    v_number: str | None
    name: str | None
    arrived_on: date


@dataclass(frozen=True)
class TermRow:
    """The grant as known from `recorded_at` until a correction supersedes it."""

    case_id: str
    version: int
    recorded_at: datetime
    granted_on: date
    term_ends_on: date


@dataclass(frozen=True)
class MemberRow:
    """A member's registration or corrected details (the V-number is kept effective-dated)."""

    case_id: str
    member_id: str
    version: int
    recorded_at: datetime
    name: str | None
    relationship: str
    v_number: str | None


@dataclass(frozen=True)
class MemberFactRow:
    """One dated fact of a member (application, arrival, decision, permit, withdrawal,
    extension), known from `recorded_at` until a correction of the same fact supersedes it."""

    case_id: str
    member_id: str
    fact: str
    version: int
    recorded_at: datetime
    business_date: date
    value: str | None = None
    due_on: date | None = None
    extended_due_on: date | None = None


@dataclass(frozen=True)
class PermitRow(MemberFactRow):
    """A permit. Whether it was ready within target needs the decision's date, which the view
    holds (the decision may be in the same batch), so the view asks the row."""

    def within_target(self, decided_on: date) -> bool:
        return Derivation.permit_within_target(decided_on, self.business_date)


@dataclass(frozen=True)
class FindingRow:
    """An assessment of whether a late application's lateness is excusable. Assessments are never
    corrected: a later one (by `assessed_on`, ties by `version`) counts instead."""

    case_id: str
    member_id: str
    version: int
    recorded_at: datetime
    assessed_on: date
    outcome: str


@dataclass(frozen=True)
class ErasureRow:
    """A case's personal data was erased: its rows keep their dates, lose names and V-numbers
    (as a rebuild from the erased events has them)."""

    case_id: str
    recorded_at: datetime


Row = CaseOpenedRow | SponsorRow | TermRow | MemberRow | MemberFactRow | FindingRow | ErasureRow
Progress = Callable[[str, int, int], None]  # what, done, total


class DerivedWithOtherData(Exception):
    """The read model holds values derived with other calendar or policy data than these rows:
    it must be derived again (`rederive`, done when a process starts) before new rows join it."""

    def __init__(self, recorded: str, offered: str) -> None:
        super().__init__(
            f"the read model was derived with data {recorded[:12]}, these rows with {offered[:12]}: "
            "restart to derive it again"
        )


# --- report answers -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseListing:
    case_id: str
    sponsor_name: str | None  # None once the case was erased
    status: str
    granted_on: date | None
    term_ends_on: date | None
    days_left: int | None


@dataclass(frozen=True)
class CaseListFilter:
    status: str | None = None
    days_left_at_most: int | None = None
    route: str | None = None
    stage: str | None = None
    # The work queue's: a member applied, undecided, not withdrawn, whose decision is due (its
    # extended due date, if extended) at most this many days after as_of (or already overdue).
    decision_due_within_days: int | None = None
    # A member granted whose permit was not issued by as_of though 4 days have passed since the
    # decision (DOMAIN.md "After the decision").
    permit_over_target: bool = False

    @property
    def on_members(self) -> bool:
        """Whether a case is listed by what its members' states say."""
        return bool(
            self.route
            or self.stage
            or self.decision_due_within_days is not None
            or self.permit_over_target
        )


# Where a listing's page starts: after the case opened at this instant with this id (listings are
# in that order), so that a page found by its key costs the same wherever it is in the listing. The
# instant is text as the read model orders it (UTC, fixed width: 2026-03-01T09:30:00.000000Z), so
# any key a client sends is a place in that order, never an error.
PageKey = tuple[str, str]


@dataclass(frozen=True)
class CaseListPage:
    counts: dict[str, int]
    cases: tuple[CaseListing, ...]
    next_page: int | None
    next_after: PageKey | None = None  # the key the next page starts after (None: last page)


@dataclass(frozen=True)
class Caseload:
    stages: dict[str, int]
    applications: dict[str, int]  # timely / late
    overdue_decisions: int
    permits: dict[str, int]  # issued / within_target / over_target


class ReadModelView(TrackingRecorder):
    """The materialized read model: writes with tracking, and the queries the API asks."""

    @abstractmethod
    def apply(self, rows: Sequence[Row], tracking: Tracking, derived_with: str) -> None:
        """Apply the rows of one or more events and record `tracking`, in one transaction.
        `derived_with` is the fingerprint of the data the rows were derived with: the view records
        it, and refuses rows derived with other data than the rows it holds."""

    @abstractmethod
    def derived_with(self) -> str | None:
        """The fingerprint the rows were derived with (None while there are none)."""

    @abstractmethod
    def rederive(self, derivation: Derivation, progress: Progress | None = None) -> bool:
        """Derive every derived value again with `derivation` if the view was derived with other
        data, in one transaction (readers see all old or all new values); whether it did. A view
        with no rows yet just records `derivation`'s fingerprint."""

    @abstractmethod
    def holds_dependent_permit(
        self, v_number: str, on: date, known_at: datetime | None = None
    ) -> bool: ...

    @abstractmethod
    def list_cases(
        self,
        as_of: date,
        known_at: datetime | None,
        where: CaseListFilter,
        page: int,
        page_size: int,
        after: PageKey | None = None,
    ) -> CaseListPage:
        """Page `page` of the cases that meet `where`, oldest first, or with `after` the page
        that starts after that key (`page` then only numbers the next page)."""

    @abstractmethod
    def caseload(self, as_of: date, known_at: datetime | None) -> Caseload: ...

    @abstractmethod
    def dump(self) -> dict[str, list[tuple]]:
        """Every row of every table of the view (for verification)."""

    @abstractmethod
    def spare(self, tracked_as: str) -> ReadModelView:
        """An empty view beside this one, in tables of its own, tracked under `tracked_as`: to
        rebuild into while this one keeps serving and being projected."""

    @abstractmethod
    def swap_in_spare(self, tracked_as: str, application_name: str, derived_with: str) -> bool:
        """In one transaction, the rows of the spare view (`spare`) become this view's, tracked
        where the spare got to and derived with `derived_with`; unless this view was projected
        further than the spare (False: nothing changed). The rows replaced are dropped after."""


class ReadModelProjection(Projection[ReadModelView]):
    name = "read_model"
    topics = tuple(
        get_topic(cls)
        for cls in (
            Case.CaseOpened,
            Case.SponsorDetailsCorrected,
            Case.SponsorPermitGranted,
            Case.SponsorPermitGrantCorrected,
            Case.FamilyMemberRegistered,
            Case.FamilyMemberDetailsCorrected,
            Case.FamilyMemberArrived,
            Case.FamilyMemberArrivalCorrected,
            Case.ApplicationSubmitted,
            Case.ApplicationCorrected,
            Case.DecisionTaken,
            Case.PermitIssued,
            Case.ApplicationWithdrawn,
            Case.DecisionPeriodExtended,
            Case.AssessmentRecorded,
            Case.CaseErased,
        )
    )

    def __init__(self, view: ReadModelView, calendar: AtwCalendar = ATW_CALENDAR) -> None:
        super().__init__(view)
        self.derivation = Derivation(calendar)

    def into(self, view: ReadModelView) -> ReadModelProjection:
        """This projection, with the same calendar and policy data, into another view."""
        return ReadModelProjection(view, self.derivation.calendar)

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        """One event at a time: `catch_up` batches instead, but the library's `ProjectionRunner`
        (for recorders with `subscribe()`) calls this, and `Projection` declares it abstract."""
        self.apply(self.rows_for(domain_event), tracking)

    def apply(self, rows: Sequence[Row], tracking: Tracking) -> None:
        self.view.apply(rows, tracking, self.derivation.fingerprint)

    def rederive(self, progress: Progress | None = None) -> bool:
        """Bring the view's derived values to this projection's calendar and policy data."""
        return self.view.rederive(self.derivation, progress)

    @singledispatchmethod
    def rows_for(self, domain_event: Any) -> list[Row]:
        """Events of other types do not change the read model (see `topics`)."""
        return []

    @rows_for.register
    def _(self, e: Case.CaseOpened) -> list[Row]:
        return [CaseOpenedRow(str(e.originator_id), e.timestamp), self._sponsor(e)]

    @rows_for.register
    def _(self, e: Case.SponsorDetailsCorrected) -> list[Row]:
        return [self._sponsor(e)]

    @rows_for.register(Case.SponsorPermitGranted)
    @rows_for.register(Case.SponsorPermitGrantCorrected)
    def _(self, e: Any) -> list[Row]:
        ends_on = self.derivation.term_ends_on(e.granted_on)
        return [
            TermRow(str(e.originator_id), e.originator_version, e.timestamp, e.granted_on, ends_on)
        ]

    @rows_for.register(Case.FamilyMemberRegistered)
    @rows_for.register(Case.FamilyMemberDetailsCorrected)
    def _(self, e: Any) -> list[Row]:
        return [
            MemberRow(
                str(e.originator_id),
                e.member_id,
                e.originator_version,
                e.timestamp,
                _kept(e.name),
                e.relationship,
                _kept(e.v_number),
            )
        ]

    @rows_for.register(Case.FamilyMemberArrived)
    @rows_for.register(Case.FamilyMemberArrivalCorrected)
    def _(self, e: Any) -> list[Row]:
        return [self._fact(e, "arrival", e.arrived_on)]

    @rows_for.register(Case.ApplicationSubmitted)
    @rows_for.register(Case.ApplicationCorrected)
    def _(self, e: Any) -> list[Row]:
        due_on, extended_due_on = self.derivation.decision_due_on(e.submitted_on)
        return [self._fact(e, "application", e.submitted_on, e.channel, due_on, extended_due_on)]

    @rows_for.register
    def _(self, e: Case.DecisionTaken) -> list[Row]:
        return [self._fact(e, "decision", e.decided_on, e.outcome)]

    @rows_for.register
    def _(self, e: Case.PermitIssued) -> list[Row]:
        return [PermitRow(**vars(self._fact(e, "permit", e.issued_on)))]

    @rows_for.register
    def _(self, e: Case.ApplicationWithdrawn) -> list[Row]:
        return [self._fact(e, "withdrawal", e.withdrawn_on)]

    @rows_for.register
    def _(self, e: Case.DecisionPeriodExtended) -> list[Row]:
        return [self._fact(e, "extension", e.extended_on)]

    @rows_for.register
    def _(self, e: Case.AssessmentRecorded) -> list[Row]:
        # Of all findings, only excusable lateness decides what the read model answers (the route).
        if e.criterion != Criterion.LATE_APPLICATION_EXCUSABLE:
            return []
        return [
            FindingRow(
                str(e.originator_id),
                e.member_id,
                e.originator_version,
                e.timestamp,
                e.assessed_on,
                e.outcome,
            )
        ]

    @rows_for.register
    def _(self, e: Case.CaseErased) -> list[Row]:
        return [ErasureRow(str(e.originator_id), e.timestamp)]

    @staticmethod
    def _sponsor(e: Any) -> SponsorRow:
        return SponsorRow(
            str(e.originator_id),
            e.originator_version,
            e.timestamp,
            _kept(e.v_number),
            _kept(e.name),
            e.arrived_on,
        )

    @staticmethod
    def _fact(
        e: Any,
        fact: str,
        business_date: date,
        value: str | None = None,
        due_on: date | None = None,
        extended_due_on: date | None = None,
    ) -> MemberFactRow:
        return MemberFactRow(
            str(e.originator_id),
            e.member_id,
            fact,
            e.originator_version,
            e.timestamp,
            business_date,
            value,
            due_on,
            extended_due_on,
        )


def _kept(value: Any) -> Any:
    """A personal value as the read model keeps it: None once erased."""
    return None if is_erased(value) else value


def catch_up(
    application: Application[Any],
    projection: ReadModelProjection,
    batch_size: int = CATCH_UP_BATCH,
    progress: Callable[[int], None] | None = None,
    stop: int | None = None,
    tracked_as: str | None = None,
) -> int:
    """Apply every event the view has not tracked yet (up to notification `stop`, if given),
    oldest first, a batch per transaction; return how many. The view tracks its position under
    the application's name, or `tracked_as`.

    The position moves past the events the view does not follow too (`_reached`), so a wake after
    a save reads only what came since, not every unfollowed notification after the last followed.

    Another thread or process may be catching up the same view: the view refuses a position it has
    already tracked (IntegrityError), and this loop then resumes from the view's newer position.
    """
    view = projection.view
    name = tracked_as or application.name
    processed = 0
    while True:
        position = view.max_tracking_id(name) or 0
        end = _log_end(application, stop)
        if end <= position:
            return processed
        notifications = application.recorder.select_notifications(
            start=position,
            limit=batch_size,
            stop=end,
            topics=projection.topics,
            inclusive_of_start=False,
        )
        _read_keys_of(application, notifications)
        rows: list[Row] = []
        for notification in notifications:
            rows.extend(projection.rows_for(application.mapper.to_domain_event(notification)))
        reached = notifications[-1].id if len(notifications) == batch_size else end
        try:
            projection.apply(rows, Tracking(name, reached))
        except IntegrityError:
            if (view.max_tracking_id(name) or 0) == position:
                raise  # no other catch-up got further: the rows themselves were refused
            continue
        processed += len(notifications)
        if progress is not None:
            progress(len(notifications))


def _log_end(application: Application[Any], stop: int | None) -> int:
    """The last notification of the log (at most `stop`). Every notification before it has been
    committed or never will be: SQLite writes one transaction at a time, and the PostgreSQL
    recorder takes the events' table lock before it draws ids, so ids commit in order. A batch
    that reads fewer followed events than it asked for has therefore seen all of them up to here,
    and the view's position can move to here."""
    end = application.recorder.max_notification_id() or 0
    return end if stop is None else min(end, stop)


def _read_keys_of(application: Application[Any], notifications: Sequence[Any]) -> None:
    """The keys of the batch's cases, read in one go before their events are decoded (where the
    store seals personal data under keys per case: a NareisApplication's `personal_data`)."""
    seal = getattr(application, "personal_data", None)
    if seal is not None:
        seal.read_keys(list(dict.fromkeys(n.originator_id for n in notifications)))


CatchUp = Callable[..., int]  # `catch_up`, or a store's wrapper of it that retries write conflicts
REBUILD_ATTEMPTS = 20


class RebuildOvertaken(Exception):
    """The read model kept being projected past the rebuild: it was not swapped."""


def rebuild(
    application: Application[Any],
    projection: ReadModelProjection,
    batch_size: int = CATCH_UP_BATCH,
    progress: Callable[[int], None] | None = None,
    catch_up_with: CatchUp = catch_up,
) -> int:
    """Project the whole log into a spare view while the read model keeps serving (and being
    projected), then swap the spare in, in one transaction: a reader sees the old read model or the
    new, never a part of one. If the read model got further meanwhile, the spare catches up again
    first. Return how many events were projected; `progress` gets the position reached."""
    tracked_as = f"{application.name} rebuild"
    spare = projection.into(projection.view.spare(tracked_as))

    def advanced(_batch: int) -> None:
        if progress is not None:
            progress(spare.view.max_tracking_id(tracked_as) or 0)

    processed = 0
    for _attempt in range(REBUILD_ATTEMPTS):
        processed += catch_up_with(
            application, spare, batch_size=batch_size, progress=advanced, tracked_as=tracked_as
        )
        fingerprint = spare.derivation.fingerprint
        if projection.view.swap_in_spare(tracked_as, application.name, fingerprint):
            return processed
    raise RebuildOvertaken(
        f"the read model was projected further than the rebuild {REBUILD_ATTEMPTS} times"
    )
