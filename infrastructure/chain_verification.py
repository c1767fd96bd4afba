"""`nareis verify`, first half: walk every aggregate's stored events along its hash chain.

Each event's hash is computed again from what is stored and compared with its hash row; each
aggregate's head with its last event; the log record with the number of events stored before
the chain started and of aggregates with a chain since (counted in one snapshot with it, so that
a live database verifies too). What differs is a finding naming the case (or other aggregate) and
the version. Events stored before the chain started are reported apart: nothing vouches for them.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from uuid import UUID

from infrastructure.chained_events import ChainedEvents, ChainRow, ChainTally
from infrastructure.event_chain import GENESIS, ChainLog, EventChain

Progress = Callable[[int, int], None]  # (events checked, events stored)
# After an altered event, the chain is followed from both its stored and its recomputed hash (so
# that one change is one finding); a run of changes keeps at most this many candidates.
CANDIDATES = 4


@dataclass(frozen=True)
class Finding:
    subject: str  # "case <id>", another aggregate's name and id, or "the event log"
    version: int | None
    problem: str

    def line(self) -> str:
        where = self.subject if self.version is None else f"{self.subject} version {self.version}"
        return f"{where}: {self.problem}"


@dataclass
class ChainReport:
    keyed: bool
    events: int = 0
    findings: list[Finding] = field(default_factory=list)
    unchained: list[Finding] = field(default_factory=list)  # written before tamper evidence


def verify_chain(
    recorder: ChainedEvents, chain: EventChain, progress: Progress | None = None, batch: int = 2_000
) -> ChainReport:
    """Every finding of tampering in the store of `recorder`, checked with `chain`'s key."""
    report = ChainReport(keyed=chain.keyed)
    record, tally = recorder.chain_log_and_tally()
    report.findings.extend(log_record_findings(record, chain))
    if record is not None:
        report.findings.extend(tally_findings(record, tally))
    start = record.legacy_last_position if record is not None else 0
    total = recorder.count_stored_events()
    rows = _counting(recorder.chain_rows(batch), report, total, progress)
    for _, stream in itertools.groupby(rows, key=lambda row: row.originator_id):
        audit = StreamAudit(chain, start, list(stream))
        report.findings.extend(audit.findings())
        report.unchained.extend(audit.unchained())
    report.findings.extend(_removed_streams(recorder))
    return report


def _counting(
    rows: Iterable[ChainRow], report: ChainReport, total: int, progress: Progress | None
) -> Iterator[ChainRow]:
    for row in rows:
        report.events += 1
        if progress is not None and (report.events % 1_000 == 0 or report.events == total):
            progress(report.events, max(total, report.events))
        yield row


def log_record_findings(record: ChainLog | None, chain: EventChain) -> Iterator[Finding]:
    if record is None:
        yield Finding(
            "the event log",
            None,
            "the chain's log record was removed: every event without a hash row is a finding",
        )
    elif not chain.log_is_sealed(record):
        yield Finding(
            "the event log",
            None,
            "the chain's log record was altered (where the chain starts, or what it counts)",
        )


def tally_findings(record: ChainLog, tally: ChainTally) -> Iterator[Finding]:
    if tally.before_chain != record.legacy_events:
        yield Finding(
            "the event log",
            None,
            f"{record.legacy_events} events were stored before the chain started, "
            f"{tally.before_chain} are there now: removed or inserted",
        )
    if tally.chains != record.chains:
        yield Finding(
            "the event log",
            None,
            f"{record.chains} cases and other aggregates have had a chain, {tally.chains} are "
            "there now: removed whole (events, hash rows and head), or inserted",
        )


def _shown(originator_id: str) -> str:
    """An id as the API and `nareis history` show it (the chain hashes its 32 hex digits)."""
    try:
        return str(UUID(originator_id))
    except ValueError:
        return originator_id


def _removed_streams(recorder: ChainedEvents) -> Iterator[Finding]:
    for originator_id, last in recorder.chains_without_events():
        yield Finding(
            f"aggregate {_shown(originator_id)}",
            None,
            f"every event removed (its chain names versions up to {last})",
        )


def subject_of(row: ChainRow) -> str:
    """ "case <id>" for a case; the aggregate's class and id for the others (permit index...)."""
    aggregate = row.topic.partition(":")[2].split(".")[0] or "aggregate"
    return f"{'case' if aggregate == 'Case' else aggregate} {_shown(row.originator_id)}"


class StreamAudit:
    """One aggregate's stored events (in version order) checked along its chain."""

    def __init__(self, chain: EventChain, chain_start: int, rows: list[ChainRow]) -> None:
        self.chain, self.chain_start, self.rows = chain, chain_start, rows
        self.subject = subject_of(rows[0])
        self._findings: list[Finding] = []
        self._unchained_versions: list[int] = []
        self.chained = False
        # The hashes the next event may link to; None when a removed event's hash is unknown.
        self.previous: set[str] | None = {GENESIS}
        self._walk()

    def findings(self) -> list[Finding]:
        return self._findings

    def unchained(self) -> list[Finding]:
        if not self._unchained_versions:
            return []
        versions = _versions(self._unchained_versions[0], self._unchained_versions[-1])
        return [
            Finding(self.subject, None, f"{versions} not chained (written before tamper evidence)")
        ]

    def _find(self, version: int | None, problem: str) -> None:
        self._findings.append(Finding(self.subject, version, problem))

    def _walk(self) -> None:
        expected = 1
        for row in self.rows:
            if row.version > expected:
                self._missing(expected, row.version - 1)
            expected = row.version + 1
            if row.position <= self.chain_start:
                self._before_chain(row)
            else:
                self._link(row)
        if self.chained or self.rows[-1].head_version is not None:
            self._check_head()

    def _missing(self, first: int, last: int) -> None:
        self._find(first, f"{_removed(first, last)} (later versions are stored)")
        self.previous = None

    def _before_chain(self, row: ChainRow) -> None:
        if self.chained:
            self._find(
                row.version,
                "inserted or moved: stored in the log before the chain "
                "started, yet after chained versions",
            )
        elif row.hash is not None:
            self._find(
                row.version,
                "moved: it has a hash row, yet its position in the log is before the chain started",
            )
        else:
            self._unchained_versions.append(row.version)

    def _link(self, row: ChainRow) -> None:
        self.chained = True
        candidates = self._candidates(row)
        if row.hash is None:
            self._find(row.version, "inserted, or its hash row was removed: it is not chained")
            self.previous = candidates or None
        elif row.hash in candidates:
            self.previous = {row.hash}
        else:
            self._find(
                row.version,
                "altered: the stored event (or its hash row) is not what "
                "was chained, or events were reordered",
            )
            self.previous = set(sorted(candidates)[: CANDIDATES - 1]) | {row.hash}

    def _candidates(self, row: ChainRow) -> set[str]:
        if self.previous is None:  # after a removed event: take up the chain where it stands
            return {row.hash} if row.hash is not None else set()
        return {
            self.chain.link(previous, row.originator_id, row.version, row.topic, row.state)
            for previous in self.previous
        }

    def _check_head(self) -> None:
        # The last row's head: read with it, it is as new as any of the stream's events.
        head, last = self.rows[-1], self.rows[-1].version
        if head.head_version is None:
            self._find(last, "its head (last version and hash) was removed")
        elif head.head_version > last:
            removed = _removed(last + 1, head.head_version)
            self._find(last + 1, f"{removed} (the head names version {head.head_version})")
        elif head.head_version < last:
            self._find(
                head.head_version + 1,
                f"inserted after version {head.head_version}, the last one the head names",
            )
        elif not self._head_is_sealed(head):
            self._find(last, "its head was altered (it does not seal the last event's hash)")

    def _head_is_sealed(self, head: ChainRow) -> bool:
        if self.previous is None or head.head_hash is None:
            return self.previous is None
        return head.head_hash in self.previous and head.head_seal == self.chain.seal_head(
            head.head_hash
        )


def _removed(first: int, last: int) -> str:
    return f"removed, with the versions up to {last}" if last > first else "removed"


def _versions(first: int, last: int) -> str:
    return f"versions {first} to {last}" if last > first else f"version {first}"
