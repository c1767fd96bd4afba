"""The Nareis application service: commands and queries on cases.

Every command goes one path, `execute`: load the case, check the expected version (`If-Match`),
call the command's handler (`application/handlers.py`), save, with idempotency and the retry on a
conflict handled there once. Queries read one case (from the repository, which uses snapshots and
a cache) and hand its facts to the pure domain functions with an `as_of` date.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from copy import deepcopy
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import (
    EventStore,
    IntegrityError,
    JSONTranscoder,
    Mapper,
    Recording,
)
from eventsourcing.utils import Environment, EnvType

from application.audit_trail import AuditTrail
from application.commands import CaseCommand, Command, OpenCase, TakeDecision, created_member_id
from application.errors import (
    CaseNotErasable,
    ConcurrencyConflict,
    IdempotencyKeyReused,
    VersionMismatch,
)
from application.handlers import HANDLERS, HandlerContext, open_case
from application.permit_index import StoredPermitIndex, case_holdings
from application.ports import (
    AmsterdamClock,
    Clock,
    DependentPermitRegister,
    GrantReading,
    IdempotencyRecord,
    IdempotencyStore,
    PermitIndex,
    PersonalDataSeal,
)
from application.projections import (
    CaseListFilter,
    CaseListPage,
    Caseload,
    PageKey,
    ReadModelView,
)
from application.results import (
    CaseDeadlineAnswer,
    CaseEligibilityAnswer,
    CaseRecord,
    CommandResult,
    HistoryEntry,
    ReportAnswer,
)
from application.transcodings import register_nareis_transcodings
from domain.calendar import ATW_CALENDAR, AtwCalendar
from domain.case import Case
from domain.deadline import case_deadline
from domain.eligibility import evaluate_case, grounds_not_supported, refusal_dates
from domain.errors import CaseErased, CaseNotFound
from domain.permit_index import Holding
from domain.vocabulary import DecisionOutcome

log = logging.getLogger("nareis.application")

SNAPSHOT_INTERVAL = 50
# How often a command without an expected version is tried when other writers keep saving the case
# first (API.md: "retries (a few times) before it answers 409 concurrent-modification").
COMMAND_ATTEMPTS = 3
# Snapshots are derived data. When the shape of the Case's state changes, bump this: snapshots of
# the old shape are then ignored (they live in another table) and new ones are taken as cases change.
SNAPSHOT_SCHEMA_VERSION = 2


@dataclass(frozen=True)
class CommandContext:
    """Who sends a command, the case version they expect (If-Match) and their idempotency key."""

    actor: str
    expected_version: int | None = None
    idempotency_key: str | None = None

    @property
    def scoped_key(self) -> str | None:
        # Keys are scoped per actor so that two callers can never collide on the same key.
        return f"{self.actor}\n{self.idempotency_key}" if self.idempotency_key else None


class NoDependentPermits:
    """A register that knows no holders: for tools that run without projections."""

    def holds_dependent_permit(
        self, v_number: str, on: date, known_at: datetime | None = None
    ) -> bool:
        return False


class NareisApplication(Application[UUID]):
    name = "Nareis"
    # When a case is snapshotted: `snapshot_step` (the library's fixed interval is not used).
    snapshotting_intervals = {Case: SNAPSHOT_INTERVAL}

    def __init__(
        self,
        env: dict[str, str] | None = None,
        *,
        clock: Clock | None = None,
        dependent_permits: DependentPermitRegister | None = None,
        permit_index: PermitIndex | None = None,
        calendar: AtwCalendar = ATW_CALENDAR,
    ) -> None:
        super().__init__(env)
        self.clock: Clock = clock or AmsterdamClock()
        self.calendar = calendar  # the Atw calendar the queries count terms with
        # Who holds a dependent permit: known now from the index the commands keep, as known at
        # an earlier instant from the read model (the register).
        self.permit_index: PermitIndex = permit_index or StoredPermitIndex(self)
        self.dependent_permits: DependentPermitRegister = dependent_permits or NoDependentPermits()
        self.read_model: ReadModelView | None = None
        # Keys per case, which erasure destroys (set by the infrastructure that opens them).
        self.personal_data: PersonalDataSeal | None = None
        self._commit_listeners: list[Callable[[], None]] = []

    def construct_env(self, name: str, env: EnvType | None = None) -> Environment:
        """The library's settings from `env` alone. The library would merge the process's
        environment in, so that `NAREIS_SQLITE_DBNAME`, `POSTGRES_HOST` or `CIPHER_TOPIC` there
        would silently choose another database or format (API.md: only the README's settings
        configure Nareis); the composition root passes every setting it means."""
        settings = dict(type(self).env)
        if type(self).is_snapshotting_enabled or type(self).snapshotting_intervals:
            settings["IS_SNAPSHOTTING_ENABLED"] = "y"
        settings.update(env or {})
        return Environment(name, settings)

    def construct_snapshot_store(self) -> EventStore[UUID]:
        recorder = self.factory.aggregate_recorder(purpose=f"snapshots_v{SNAPSHOT_SCHEMA_VERSION}")
        return self.factory.event_store(mapper=self.mapper, recorder=recorder)

    def use_mapper(self, mapper: Mapper[UUID]) -> None:
        """Store events and snapshots through `mapper` (the infrastructure's encryption, once it
        has opened the store's keys), before anything is read or written."""
        self.mapper = self.events.mapper = mapper
        if self.snapshots is not None:
            self.snapshots.mapper = mapper

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_nareis_transcodings(transcoder)

    def on_commit(self, listener: Callable[[], None]) -> None:
        """Call `listener` after each save (projections use it to catch up without waiting)."""
        self._commit_listeners.append(listener)

    def _notify(self, recordings: list[Any]) -> None:
        for listener in self._commit_listeners:
            try:
                listener()
            except Exception as error:  # after the commit: see `_take_snapshots`
                _log_work_after_commit_failed("waking a commit listener", error)

    def _record(self, processing_event: ProcessingEvent[UUID]) -> list[Recording[UUID]]:
        """Record, then keep a copy of each saved case in the cache: the next command on it then
        reads no event back to fast-forward the cached one (the library caches saved aggregates
        only without fast-forwarding). A copy, as a caller may go on changing the one it saved;
        a stale entry (another thread saved later) is fast-forwarded as before."""
        recordings = super()._record(processing_event)
        cache = self.repository.cache
        if cache is not None and self.repository.fastforward:
            for aggregate_id, aggregate in processing_event.aggregates.items():
                if isinstance(aggregate, Case):
                    cache.put(aggregate_id, deepcopy(aggregate))
        return recordings

    def _take_snapshots(self, processing_event: ProcessingEvent[UUID]) -> None:
        """Snapshot each saved case that reached a snapshot version, from the case just saved (in
        memory, at the version committed): the library would load it again from the previous
        snapshot and the events after it.

        A snapshot follows the commit: a failure here must neither turn a recorded command into
        an error (API.md: "a 5xx means the command was not recorded") nor make `execute` retry
        it as if another writer had won. Without this snapshot, loading replays a few more events.
        """
        if self.snapshots is None:
            return
        try:
            snapshots = [
                type(case).Snapshot.take(case) for case in _cases_due_a_snapshot(processing_event)
            ]
            if snapshots:
                self.snapshots.put(snapshots)
        except Exception as error:
            _log_work_after_commit_failed("taking a snapshot", error)

    # --- commands -------------------------------------------------------------------------------

    def execute(self, command: Command, context: CommandContext) -> CommandResult:
        """Record `command`: load its case, check the expected version, let its handler call the
        aggregate, and save the events with the idempotency record in one transaction.

        An idempotency key seen before answers what it answered then. Only an OpenCase's key is
        looked up first: the others are written with the events, under a unique key, so a resend
        fails to record (the store refuses the key, or the case refuses the command again) and
        only then reads the first answer; a new key, the usual case, costs no read. When another
        writer saves first (the store refuses the save), the command is loaded and checked again,
        a few times: with an expected version the case is no longer at it (`VersionMismatch`);
        without one the command is recorded on the newer case, refused by what it now records,
        or, after the last attempt, refused as `ConcurrencyConflict`. (A save can also lose on a
        dependent-permit index only, when two cases change one V-number's holders at once: the
        case is still at the expected version then, and the command is simply tried again.)
        """
        # Without a key nothing is compared, so nothing is digested.
        fingerprint = command.fingerprint() if context.scoped_key else ""
        if isinstance(command, OpenCase):
            # A new case's key is made before its events are saved: a resend, looked up only
            # after failing to save, would leave a key for a case never recorded.
            earlier = self._earlier_answer(context, fingerprint)
            if earlier is not None:
                return earlier
        for _attempt in range(COMMAND_ATTEMPTS):
            try:
                return self._record_command(command, context, fingerprint)
            except IntegrityError:
                earlier = self._earlier_answer(context, fingerprint)
                if earlier is not None:
                    return earlier  # the key was used before (or a request with it won the race)
            except Exception:
                # A resend may be refused by what its first sending recorded: it answers the first
                # answer all the same.
                earlier = self._earlier_answer(context, fingerprint)
                if earlier is not None:
                    return earlier
                raise
        raise ConcurrencyConflict(
            f"Case {command.case_id} was changed by other commands at the same time, "
            f"{COMMAND_ATTEMPTS} times; nothing was recorded. Read it again and retry."
        )

    def _record_command(
        self, command: Command, context: CommandContext, fingerprint: str
    ) -> CommandResult:
        case, holdings_before, reading = self._changed_case(command, context)
        result = CommandResult(str(case.id), case.version, created_member_id(command))
        record = self._idempotency_record(context, fingerprint, result)
        if case.pending_events:
            indexes = [
                *self.permit_index.updates(holdings_before, case_holdings(case)),
                *_grant_noted(command, reading),
            ]
            # The case's events last, so the read model's tracking position, which follows only
            # case events, reaches the end of the log after every command.
            self.save(*indexes, case, idempotency=record)
        elif record is not None:
            self._idempotency_store().remember_idempotency_record(record)
        return result

    def _changed_case(
        self, command: Command, context: CommandContext
    ) -> tuple[Case, frozenset[Holding], GrantReading | None]:
        """The case with the command's events pending (none when it changes nothing), the
        dependent-permit holdings it recorded before, and, for a decision, the sponsor's index as
        the decision read it."""
        handler_context = HandlerContext(
            context.actor, self.today(), self.permit_index, self.calendar
        )
        if isinstance(command, OpenCase):
            return open_case(command, handler_context), frozenset(), None
        assert isinstance(command, CaseCommand)
        case = self._get(command.case_id)
        self._check_expected_version(case, context.expected_version)
        before = case_holdings(case)
        reading = None
        if isinstance(command, TakeDecision):
            reading = self.permit_index.grant_reading(case.sponsor.v_number)
            handler_context = replace(handler_context, dependent_permits=reading)
        HANDLERS[type(command)](case, command, handler_context)
        return case, before, reading

    def erase(self, case_id: str, reason: str, actor: str) -> CommandResult:
        """Erase the case's personal data (`domain/erasure.py`): record `CaseErased` and, in the
        same transaction, destroy the case's key; the index forgets the case's permit holders
        (their V-numbers are gone with it). A case whose events hold personal data outside its
        key is refused, as is one another command changes on every attempt."""
        seal = self._personal_data_seal()
        for _attempt in range(COMMAND_ATTEMPTS):
            case = self._get(case_id)
            if unsealed := seal.unsealed_versions(case.id):
                raise CaseNotErasable(
                    f"Case {case_id} holds personal data recorded before keys per case existed "
                    f"(versions {', '.join(map(str, unsealed[:10]))}); destroying its key would "
                    "not erase it, so nothing was erased."
                )
            holdings = case_holdings(case)
            case.erase(reason, actor=actor)
            indexes = self.permit_index.updates(holdings, frozenset())
            try:
                self.save(*indexes, case, erase_personal_data_of=case.id)
            except IntegrityError:
                continue
            seal.after_erasure()
            return CommandResult(str(case.id), case.version)
        raise ConcurrencyConflict(
            f"Case {case_id} was changed by other commands at the same time, "
            f"{COMMAND_ATTEMPTS} times; nothing was erased. Try again."
        )

    def _personal_data_seal(self) -> PersonalDataSeal:
        if self.personal_data is None:
            msg = "This application keeps no keys per case, so it cannot erase one."
            raise TypeError(msg)
        return self.personal_data

    def save_new_cases(self, *cases: Case) -> None:
        """Save cases built outside the command path (generated ones, `nareis seed-load`) with
        the index entries their permits make, in one transaction (their keys in one before)."""
        if self.personal_data is not None:
            self.personal_data.make_keys([case.id for case in cases])
        holdings = frozenset(h for case in cases for h in case_holdings(case))
        self.save(*self.permit_index.updates(frozenset(), holdings), *cases)

    # --- queries --------------------------------------------------------------------------------

    def get_case(
        self, case_id: str, as_of: date | None = None, known_at: datetime | None = None
    ) -> CaseRecord:
        """The case with the facts that counted on `as_of` (today by default), as known at
        `known_at`."""
        case = self._case_known_at(case_id, known_at)
        on = as_of or self.today()
        return CaseRecord(
            case.facts().as_of(on),
            case.version,
            case.created_on,
            case.modified_on,
            on,
            self._grounds_not_supported(case, known_at),
        )

    def deadline(
        self, case_id: str, as_of: date | None = None, known_at: datetime | None = None
    ) -> CaseDeadlineAnswer:
        case = self._case_known_at(case_id, known_at)
        on = as_of or self.today()
        deadline = case_deadline(case.facts(), on, self.calendar)
        return CaseDeadlineAnswer(str(case.id), case.version, on, deadline)

    def eligibility(
        self, case_id: str, as_of: date | None = None, known_at: datetime | None = None
    ) -> CaseEligibilityAnswer:
        case = self._case_known_at(case_id, known_at)
        on = as_of or self.today()
        holds = self._holds_dependent_permit(case.sponsor.v_number, on, known_at)
        return CaseEligibilityAnswer(
            str(case.id),
            case.version,
            on,
            evaluate_case(case.facts(), on, holds, calendar=self.calendar),
        )

    def history(
        self, case_id: str, as_of: date | None = None, known_at: datetime | None = None
    ) -> list[HistoryEntry]:
        """The audit trail as known at `known_at` (`application.audit_trail`), with each refusal's
        grounds not supported marked as in the case view."""
        case_uuid = self._case_uuid(case_id)
        events = self.events.get(case_uuid, lte=self._version_known_at(case_uuid, known_at))
        trail = AuditTrail.of(events, as_of)
        if self._is_erased(case_uuid):
            return trail.without_personal_data()
        marks = self._grounds_not_supported(trail.case, known_at) if trail.case else {}
        return trail.with_grounds_marked(marks)

    def _grounds_not_supported(
        self, case: Case, known_at: datetime | None
    ) -> dict[str, tuple[str, ...]]:
        """Per refused member, the grounds whose rule was met on decided_on, judged with the
        dependent-permit register as of that date (as the decision command is)."""
        facts = case.facts()
        v_number = facts.sponsor.v_number
        holds_on = {
            day: self._holds_dependent_permit(v_number, day, known_at)
            for day in refusal_dates(facts)
        }
        marks = grounds_not_supported(facts, holds_on, calendar=self.calendar)
        return {member_id: tuple(str(g) for g in grounds) for member_id, grounds in marks.items()}

    def _holds_dependent_permit(self, v_number: str, on: date, known_at: datetime | None) -> bool:
        """Known now: the index, which the commands keep (as the decision on a grant reads it).
        As known at an instant: the read model, which keeps when it learned each fact."""
        if known_at is None:
            return self.permit_index.holds_dependent_permit(v_number, on)
        return self.dependent_permits.holds_dependent_permit(v_number, on, known_at)

    def today(self) -> date:
        return self.clock.today()

    # --- reports (from the read model; may lag the commands by the projection's delay) ----------

    def list_cases(
        self,
        where: CaseListFilter,
        page: int = 1,
        page_size: int = 100,
        as_of: date | None = None,
        known_at: datetime | None = None,
        after: PageKey | None = None,
    ) -> ReportAnswer[CaseListPage]:
        on = as_of or self.today()
        listing = self._read_model().list_cases(on, known_at, where, page, page_size, after)
        return ReportAnswer(on, known_at, listing)

    def caseload(
        self, as_of: date | None = None, known_at: datetime | None = None
    ) -> ReportAnswer[Caseload]:
        on = as_of or self.today()
        return ReportAnswer(on, known_at, self._read_model().caseload(on, known_at))

    def _read_model(self) -> ReadModelView:
        if self.read_model is None:
            msg = "This application was built without a read model."
            raise TypeError(msg)
        return self.read_model

    # --- mechanics ------------------------------------------------------------------------------

    def _earlier_answer(self, context: CommandContext, fingerprint: str) -> CommandResult | None:
        if context.scoped_key is None:
            return None
        record = self._idempotency_store().find_idempotency_record(context.scoped_key)
        if record is None:
            return None
        if record.fingerprint != fingerprint:
            raise IdempotencyKeyReused(
                "This Idempotency-Key was already used with another command; "
                "use a new key for a new command."
            )
        return CommandResult.from_dict(record.answer)

    @staticmethod
    def _idempotency_record(
        context: CommandContext, fingerprint: str, result: CommandResult
    ) -> IdempotencyRecord | None:
        if context.scoped_key is None:
            return None
        return IdempotencyRecord(context.scoped_key, fingerprint, result.as_dict())

    def _idempotency_store(self) -> IdempotencyStore:
        if not isinstance(self.recorder, IdempotencyStore):
            msg = "The configured recorder cannot keep idempotency keys."
            raise TypeError(msg)
        return self.recorder

    @staticmethod
    def _check_expected_version(case: Case, expected_version: int | None) -> None:
        if expected_version is not None and expected_version != case.version:
            raise VersionMismatch(expected_version, case.version)

    def _case_known_at(self, case_id: str, known_at: datetime | None) -> Case:
        """The case as the system knew it at `known_at` (now when None)."""
        if known_at is None:
            return self._get(case_id)
        case_uuid = self._case_uuid(case_id)
        version = self._version_known_at(case_uuid, known_at)
        if self._is_erased(case_uuid):  # the data is gone, whatever the system knew then
            self._get(case_id)  # raises CaseErased
        return self.repository.get(case_uuid, version=version)

    def _version_known_at(self, case_uuid: UUID, known_at: datetime | None) -> int:
        """The last version recorded at or before `known_at` (the latest when None).

        `recorded_at` never decreases within a case (the aggregate sees to that), so a binary search
        over versions finds it in about log2(versions) reads of one event each.
        """
        latest = self._recorded_at(case_uuid, None)
        if latest is None or not self._is_case(case_uuid):
            raise CaseNotFound(case_uuid)
        last_version, last_recorded_at = latest
        if known_at is None or last_recorded_at <= known_at:
            return last_version
        low, high = 0, last_version  # invariant: version `low` is known (0: nothing), `high` is not
        while high - low > 1:
            middle = (low + high) // 2
            found = self._recorded_at(case_uuid, middle)
            assert found is not None
            if found[1] <= known_at:
                low = middle
            else:
                high = middle
        if low == 0:
            raise CaseNotFound(case_uuid)
        return low

    def _recorded_at(self, case_uuid: UUID, version: int | None) -> tuple[int, datetime] | None:
        """(version, recorded_at) of one event: `version`, or the latest when None."""
        if version is None:
            found = list(self.events.get(case_uuid, desc=True, limit=1))
        else:
            found = list(self.events.get(case_uuid, gt=version - 1, lte=version))
        return (found[0].originator_version, found[0].timestamp) if found else None

    def _is_erased(self, case_uuid: UUID) -> bool:
        """Whether the case's personal data was erased: then its last event says so (erasure is
        final, nothing is recorded after it)."""
        last = list(self.events.get(case_uuid, desc=True, limit=1))
        return bool(last) and isinstance(last[0], Case.CaseErased)

    def _is_case(self, case_uuid: UUID) -> bool:
        """Whether the stream is a case's (the index's streams are in the same store)."""
        first = list(self.events.get(case_uuid, lte=1))
        return bool(first) and isinstance(first[0], Case.CaseOpened)

    def _get(self, case_id: str) -> Case:
        try:
            case = self.repository.get(self._case_uuid(case_id))
        except AggregateNotFoundError:
            raise CaseNotFound(case_id) from None
        if not isinstance(case, Case):
            raise CaseNotFound(case_id)
        if case.erasure is not None:
            raise CaseErased(case.id, case.erasure)
        return case

    @staticmethod
    def _case_uuid(case_id: str) -> UUID:
        try:
            return UUID(case_id)
        except (ValueError, TypeError, AttributeError):
            raise CaseNotFound(case_id) from None


def snapshot_step(version: int) -> int:
    """Every how many versions a case of `version` versions is snapshotted: SNAPSHOT_INTERVAL,
    and on a long case a power of two between 1/16 and 1/8 of its versions.

    A snapshot holds the whole case, so it costs in proportion to the case: at a fixed interval
    each command on a case of N events would pay N/50 events' worth of snapshotting (at 10,000
    events, most of a command's time). Growing the step with the case bounds that at about 16
    events' worth, while loading a case without its cache still replays at most 1/8 of it after
    the snapshot, against decoding the snapshot, which holds all of it."""
    return max(SNAPSHOT_INTERVAL, 1 << max(version.bit_length() - 4, 0))


def _cases_due_a_snapshot(processing_event: ProcessingEvent[UUID]) -> list[Case]:
    """The saved cases one of whose new versions is a snapshot version."""
    due = {
        event.originator_id
        for event in processing_event.events
        if event.originator_version % snapshot_step(event.originator_version) == 0
    }
    return [
        aggregate
        for aggregate_id, aggregate in processing_event.aggregates.items()
        if aggregate_id in due and isinstance(aggregate, Case)
    ]


def _log_work_after_commit_failed(work: str, error: Exception) -> None:
    # One line, no traceback: a store refusing a write (a full disk) is a fault of operation.
    detail = " ".join(str(error).split())
    log.warning("%s after a recorded command failed (%s: %s)", work, type(error).__name__, detail)


def _grant_noted(command: Command, reading: GrantReading | None) -> Sequence[Aggregate]:
    """A grant notes the index it was decided on (`GrantReading`); nothing else does."""
    if reading is None or not isinstance(command, TakeDecision):
        return []
    if command.outcome != DecisionOutcome.GRANTED:
        return []
    return reading.noted(command.case_id, command.member_id, command.decided_on)
