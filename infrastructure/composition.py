"""The composition root: builds the running system from settings, in one place."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from eventsourcing.persistence import InfrastructureFactory, PersistenceError
from eventsourcing.utils import Environment

from application.permit_index import ensure_permit_index
from application.ports import Clock
from application.projections import (
    CATCH_UP_BATCH,
    Progress,
    ReadModelProjection,
    catch_up,
    rebuild,
)
from application.service import NareisApplication
from domain.calendar import ATW_CALENDAR, AtwCalendar
from infrastructure.chained_events import attach_chain
from infrastructure.election import ElectionFactory, Leadership, election_for
from infrastructure.errors import DatabaseUnusable
from infrastructure.keyring import MasterKey
from infrastructure.persistence import environment_for, read_model_class_for, redacted
from infrastructure.projection_worker import ProjectionWorker, catch_up_despite_conflicts
from infrastructure.protection import Protection, check_store_keys, key_table_of, protect
from infrastructure.settings import Settings
from infrastructure.sqlite_read_model import SQLiteReadModel
from infrastructure.store_check import check_database, without_password
from infrastructure.wakeups import CommitListener, commit_listener


@dataclass
class Nareis:
    """The running system. Keep a reference: the application's connection pool closes with it."""

    settings: Settings
    application: NareisApplication
    read_model: ReadModelProjection
    protection: Protection
    worker: ProjectionWorker | None = None
    elect: ElectionFactory = election_for
    _listener: CommitListener | None = None
    _scratch_factories: list[InfrastructureFactory] = field(default_factory=list)

    def rederive(self, progress: Progress | None = None) -> bool:
        """If the read model was derived with other calendar or policy data, derive its dates
        again with this system's, in one transaction; whether it did. Every start does this."""
        return self.read_model.rederive(progress)

    def catch_up(self) -> int:
        """Bring every projection up to date now (tools and tests; the worker does it in serve)."""
        self.rederive()
        return catch_up(self.application, self.read_model)

    def rebuild(
        self, batch_size: int = CATCH_UP_BATCH, progress: Callable[[int], None] | None = None
    ) -> int:
        """Rebuild the read model from the event log beside the one that serves, then swap them
        in one transaction (`application.projections.rebuild`); how many events it projected."""
        return rebuild(
            self.application,
            self.read_model,
            batch_size=batch_size,
            progress=progress,
            catch_up_with=catch_up_despite_conflicts,
        )

    def leadership(self) -> Leadership:
        """This process's vote in the election of the one process that projects (the API
        processes' workers and `nareis project` alike)."""
        return self.elect(self.settings.database_url)

    def start_projections(self) -> None:
        """Run the projections in a background thread; once elected, its first round catches up
        any backlog, so the API serves at once (reports may lag until it is done)."""
        self.rederive()
        self.worker = ProjectionWorker(
            self.application,
            self.read_model,
            self.settings.projection_poll_seconds,
            self.leadership(),
        )
        self.application.on_commit(self.worker.poke)
        self.worker.start()
        self._listener = commit_listener(
            self.application.recorder, self.settings.database_url, self.worker.poke
        )

    def scratch_read_model(self) -> SQLiteReadModel:
        """An empty read model in memory, to rebuild into and compare with."""
        factory = InfrastructureFactory.construct(
            Environment("scratch", environment_for("memory://"))
        )
        self._scratch_factories.append(factory)  # keep it open while the view is used
        view = factory.tracking_recorder(SQLiteReadModel)
        view.keep_personal_text(self.protection.read_model_text)  # compares equal to the stored
        return view

    def close(self) -> None:
        if self._listener is not None:
            self._listener.stop()
        if self.worker is not None:
            self.worker.stop()
        self.application.close()
        for factory in self._scratch_factories:
            factory.close()


def build(
    settings: Settings,
    clock: Clock | None = None,
    calendar: AtwCalendar = ATW_CALENDAR,
    elect: ElectionFactory = election_for,
    *,
    check: bool = True,
) -> Nareis:
    """The system on `settings`; `calendar` (default: the packaged Atw data) decides where terms
    end, in the queries on a case and in the read model alike; `elect` gives, for the database
    URL, the election of the process that projects. The database is checked first
    (`store_check`: `DatabaseUnusable` if it cannot be used) unless `check` is false (the worker
    processes of `serve --workers`, whose parent has just checked it)."""
    with _opening(settings, check):
        application = NareisApplication(_environment(settings), clock=clock, calendar=calendar)
        try:
            protection = protect(application, settings.encryption_key)
        except Exception:
            application.close()
            raise
        attach_chain(application, settings.chain_key)
        view = application.factory.tracking_recorder(read_model_class_for(settings.database_url))
        view.keep_personal_text(protection.read_model_text)
        application.dependent_permits = view
        application.read_model = view
        ensure_permit_index(application)  # a database from before the index: built once, here
    projection = ReadModelProjection(view, calendar)
    return Nareis(settings, application, projection, protection, elect=elect)


def open_event_store(settings: Settings, *, check_key: bool = False) -> NareisApplication:
    """The event store of `settings` alone, checked first: no read model, and no index built
    into an empty log (to copy another store's log into it). With `check_key`, the encryption key
    must open it (as `build` would), or ConfigurationError."""
    with _opening(settings, check=True):
        application = NareisApplication(_environment(settings))
        if check_key:
            try:
                check_store_keys(key_table_of(application), _master(settings))
            except Exception:
                application.close()
                raise
        attach_chain(application, settings.chain_key)
        return application


def _master(settings: Settings) -> MasterKey | None:
    key = settings.encryption_key
    return MasterKey(key) if key is not None else None


def _environment(settings: Settings) -> dict[str, str]:
    return environment_for(
        settings.database_url, settings.database_pool_size, settings.database_max_overflow
    )


@contextmanager
def _opening(settings: Settings, check: bool) -> Iterator[None]:
    """Check the database, then open it: whatever the store refuses while opening (a server that
    went away since the check) is `DatabaseUnusable` too, naming the database."""
    if check:
        check_database(settings.database_url)
    try:
        yield
    except PersistenceError as error:
        database = redacted(settings.database_url)
        raise DatabaseUnusable(
            database, without_password(str(error), settings.database_url)
        ) from error
