"""Runs projections in the background of the API process.

The worker catches up when poked (after each local save) and otherwise every `poll_seconds`, which
also picks up events that another process wrote. A failure is logged and retried on the next round;
the view's tracking position makes every round resume exactly where the last commit left off.

Only the elected worker catches up (`infrastructure/election.py`): a follower asks to lead each round
and writes nothing, so processes on one database never race for the read model. It logs
"projections: leading" or "projections: following" whenever its part changes.

Commands of other processes still write to the same SQLite file while the leader projects, and a
read model transaction that read before it writes is refused at once, without waiting, when such
a write came in between (SQLITE_BUSY_SNAPSHOT, or SQLITE_BUSY while it is under way). Nothing was
written then, so `catch_up_despite_conflicts` tries again, as SQLite prescribes.
"""

from __future__ import annotations

import logging
import random
import sqlite3
import threading
import time
from collections.abc import Callable
from typing import Any

from eventsourcing.application import Application
from eventsourcing.persistence import OperationalError

from application.projections import CATCH_UP_BATCH, ReadModelProjection, catch_up
from infrastructure.election import Leadership
from infrastructure.storage_faults import one_line, storage_fault

log = logging.getLogger("nareis.projections")

WRITE_CONFLICTS = ("SQLITE_BUSY", "SQLITE_BUSY_SNAPSHOT")
CONFLICT_ATTEMPTS = 20


def is_write_conflict(error: OperationalError) -> bool:
    """Whether SQLite refused a write because another connection wrote or is writing."""
    cause = error.__cause__
    name = getattr(cause, "sqlite_errorname", None)  # set on errors that come from SQLite itself
    return isinstance(cause, sqlite3.OperationalError) and name in WRITE_CONFLICTS


def catch_up_despite_conflicts(
    application: Application[Any],
    projection: ReadModelProjection,
    batch_size: int = CATCH_UP_BATCH,
    progress: Callable[[int], None] | None = None,
    tracked_as: str | None = None,
) -> int:
    """`catch_up`, tried again (after a few milliseconds) when another process's write got in
    the way of a batch; how many events it applied."""
    applied = 0

    def count(batch: int) -> None:
        nonlocal applied
        applied += batch
        if progress is not None:
            progress(batch)

    for attempt in range(1, CONFLICT_ATTEMPTS + 1):
        try:
            catch_up(
                application,
                projection,
                batch_size=batch_size,
                progress=count,
                tracked_as=tracked_as,
            )
            break
        except OperationalError as error:
            if attempt == CONFLICT_ATTEMPTS or not is_write_conflict(error):
                raise
            time.sleep(random.uniform(0.001, 0.02))  # the other write is a short transaction
    return applied


class ProjectionWorker:
    def __init__(
        self,
        application: Application[Any],
        projection: ReadModelProjection,
        poll_seconds: float,
        leadership: Leadership,
    ) -> None:
        self.application = application
        self.projection = projection
        self.poll_seconds = poll_seconds
        self.leadership = leadership
        self.leading: bool | None = None  # None until the first round asked
        self._store_failing = False
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._run, name=f"projection-{self.projection.name}", daemon=True
        )
        self._thread.start()

    def poke(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                self._wake.clear()
                self._round()
                self._wake.wait(self.poll_seconds)
        finally:
            self.leadership.release()

    def _round(self) -> None:
        try:
            if self._elected():
                catch_up_despite_conflicts(self.application, self.projection)
            self._store_failing = False
        except Exception as error:  # keep the worker alive; the next round resumes from tracking
            self._failed(error)

    def _failed(self, error: Exception) -> None:
        """A bug is logged with its traceback each time; the store refusing writes (a full disk)
        in one line, once until a round succeeds again."""
        if storage_fault(error) is None:
            log.exception("projection %s failed to catch up; retrying", self.projection.name)
        elif not self._store_failing:
            self._store_failing = True
            log.warning(
                "projection %s: the store failed (%s); retrying every round",
                self.projection.name,
                one_line(error),
            )

    def _elected(self) -> bool:
        leading = self.leadership.try_lead()
        if leading != self.leading:
            self.leading = leading
            log.info("projections: %s", "leading" if leading else "following")
        return leading
