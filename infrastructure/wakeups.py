"""Waking the projections when another process commits.

On PostgreSQL the library NOTIFYs a channel in every transaction that inserts events. A listener
on its own connection wakes the projection worker at once for commits of every process, where it
would otherwise find them at its next poll (`NAREIS_PROJECTION_POLL_SECONDS`). SQLite has no such
channel: there the poll (and the poke after each local save) stays the way in.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger("nareis.projections")

RECONNECT_SECONDS = 1.0


class CommitListener:
    """Calls `wake` after each commit of events announced on `channel` of the database."""

    def __init__(self, conninfo: str, channel: str, wake: Callable[[], None]) -> None:
        self.conninfo, self.channel, self.wake = conninfo, channel, wake
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="commit-listener", daemon=True)

    def start(self) -> CommitListener:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._listen()
            except Exception as error:  # a broken connection: the poll covers until we are back
                log.warning("listening for commits failed (%s); again in a second", error)
                self._stop.wait(RECONNECT_SECONDS)

    def _listen(self) -> None:
        import psycopg  # only PostgreSQL deployments need the driver

        with psycopg.connect(self.conninfo, autocommit=True) as connection:
            connection.execute(f'LISTEN "{self.channel}"')
            self.wake()  # commits made while we were not listening
            while not self._stop.is_set():
                for _ in connection.notifies(timeout=RECONNECT_SECONDS):
                    self.wake()


def commit_listener(
    recorder: Any, database_url: str, wake: Callable[[], None]
) -> CommitListener | None:
    """A started listener where the store announces commits (PostgreSQL), else None."""
    channel = getattr(recorder, "channel_name", None)
    if channel is None:
        return None
    return CommitListener(database_url, channel, wake).start()
