"""Tamper evidence: the keyed hash chain over each aggregate's stored events.

Each stored event's hash is HMAC-SHA256(key, previous hash + the event as stored: originator id,
version, topic and the `state` bytes), so it holds whatever the state bytes are (encrypted or not,
and after a case's key is shredded). Someone who can write to the database but does not hold the
key cannot recompute a consistent chain after changing an event.

Each aggregate also has a head (its last version and hash) with a seal, a second keyed hash of
that last hash: a head cannot be rebuilt from the hash rows, so removing the last events shows.
One log record, sealed too, keeps where the chain started in the event log, how many events were
stored before it (they have no chain) and how many aggregates have had a chain since: updated only
when a chain starts (a new case), so an ordinary command does not write it.
"""

from __future__ import annotations

import hashlib
import hmac
import struct
from dataclasses import dataclass, replace
from uuid import UUID

from infrastructure.settings import ConfigurationError

# Without NAREIS_CHAIN_KEY the chain is keyed with this published constant: it still shows an
# accidental change or a naive edit, but anyone who reads this can recompute it.
UNKEYED = b"nareis: unkeyed event chain (set NAREIS_CHAIN_KEY)"
GENESIS = "0" * 64  # the "previous hash" of an aggregate's first chained event


class ChainKeyMismatch(ConfigurationError):
    """The database's chain was written with another key (or its log record was altered)."""


class ChainBroken(Exception):
    """A write that would extend a chain whose head does not match the stored events: the store
    was changed outside Nareis. Nothing is recorded; `nareis verify` says what changed."""


@dataclass(frozen=True)
class ChainLog:
    """The chain's log record: which key wrote it, where it started, how many events it covers."""

    key_id: str
    legacy_last_position: int  # events at or before this position in the log have no chain
    legacy_events: int  # how many there were (kept, so that one inserted there shows)
    chains: int  # aggregates whose chain has started (so that a case removed whole shows)
    seal: str

    def fields(self) -> bytes:
        return struct.pack(
            ">16sqqq",
            self.key_id.encode()[:16],
            self.legacy_last_position,
            self.legacy_events,
            self.chains,
        )


class EventChain:
    """The hashes of the chain, under one key."""

    def __init__(self, key: bytes | None = None) -> None:
        self.keyed = key is not None
        self._key = key if key is not None else UNKEYED
        self.key_id = self._mac(b"key id").hex()[:16]

    def link(
        self, previous: str, originator_id: UUID | str, version: int, topic: str, state: bytes
    ) -> str:
        """The hash of one stored event, covering the previous event's hash."""
        originator = (
            originator_id.hex if isinstance(originator_id, UUID) else originator_id
        ).encode()
        return self._mac(
            b"event",
            bytes.fromhex(previous),
            _framed(originator),
            struct.pack(">q", version),
            _framed(topic.encode()),
            _framed(bytes(state)),
        ).hex()

    def seal_head(self, last_hash: str) -> str:
        return self._mac(b"head", bytes.fromhex(last_hash)).hex()

    def sealed_log(self, legacy_last_position: int, legacy_events: int, chains: int) -> ChainLog:
        unsealed = ChainLog(self.key_id, legacy_last_position, legacy_events, chains, "")
        return replace(unsealed, seal=self._mac(b"log", unsealed.fields()).hex())

    def log_is_sealed(self, log: ChainLog) -> bool:
        expected = self._mac(b"log", log.fields()).hex()
        return log.key_id == self.key_id and hmac.compare_digest(log.seal, expected)

    def _mac(self, purpose: bytes, *parts: bytes) -> bytes:
        mac = hmac.new(self._key, _framed(purpose), hashlib.sha256)
        for part in parts:
            mac.update(part)
        return mac.digest()


def _framed(value: bytes) -> bytes:
    """`value` with its length first, so that no two sequences of fields hash alike."""
    return struct.pack(">Q", len(value)) + value
