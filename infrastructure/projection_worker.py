"""Runs projections in the background of the API process.

The worker catches up when poked (after each local save) and otherwise every `poll_seconds`, which
also picks up events that another process wrote. A failure is logged and retried on the next round;
the view's tracking position makes every round resume exactly where the last commit left off.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from eventsourcing.application import Application
from eventsourcing.projection import Projection

from application.projections import catch_up

log = logging.getLogger("nareis.projections")


class ProjectionWorker:
    def __init__(
        self, application: Application[Any], projection: Projection[Any], poll_seconds: float
    ) -> None:
        self.application = application
        self.projection = projection
        self.poll_seconds = poll_seconds
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
        while not self._stop.is_set():
            self._wake.clear()
            try:
                catch_up(self.application, self.projection)
            except Exception:  # keep the worker alive; the next round resumes from tracking
                log.exception("projection %s failed to catch up; retrying", self.projection.name)
            self._wake.wait(self.poll_seconds)
