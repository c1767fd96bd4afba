"""The floors Nareis is measured against: what the bare eventsourcing library, or bare sqlite3, does
for the same work, with nothing of Nareis in between."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import date
from pathlib import Path

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event


class Dossier(Aggregate):
    """A stream that takes documents: the bare library's counterpart of a case."""

    def __init__(self, reference: str) -> None:
        self.reference = reference
        self.documents: list[tuple[str, str]] = []

    @event("DocumentReceived")
    def receive_document(self, kind: str, received_on: str) -> None:
        self.documents.append((kind, received_on))


class BareApplication(Application[uuid.UUID]):
    """The library as it comes, with its aggregate cache, on a SQLite file as Nareis uses it."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": str(path),
                "SQLITE_LOCK_TIMEOUT": "10",
                "AGGREGATE_CACHE_MAXSIZE": "1000",
            }
        )

    def open_dossier(self, reference: str) -> uuid.UUID:
        dossier = Dossier(reference)
        self.save(dossier)
        return dossier.id

    def receive_document(self, dossier_id: uuid.UUID) -> int:
        dossier: Dossier = self.repository.get(dossier_id)
        dossier.receive_document("other", date(2026, 2, 27).isoformat())
        self.save(dossier)
        return dossier.version


class BareSqlite:
    """One INSERT and one COMMIT per write, in WAL mode, like the library's recorder commits."""

    def __init__(self, path: Path) -> None:
        self.connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.connection.execute("PRAGMA journal_mode = WAL")
        self.connection.execute(
            "CREATE TABLE IF NOT EXISTS stored_events (stream TEXT, version INTEGER, "
            "topic TEXT, state BLOB, PRIMARY KEY (stream, version))"
        )
        self.versions: dict[str, int] = {}

    def append(self, stream: str, state: bytes) -> None:
        version = self.versions.get(stream, 0) + 1
        self.connection.execute("BEGIN")
        self.connection.execute(
            "INSERT INTO stored_events VALUES (?, ?, ?, ?)",
            (stream, version, "DocumentReceived", state),
        )
        self.connection.execute("COMMIT")
        self.versions[stream] = version

    def close(self) -> None:
        self.connection.close()
