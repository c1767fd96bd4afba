"""JSON transcodings for what events and snapshots hold beyond the library's defaults.

Events hold only strings, numbers, booleans, lists and dates, so their stored form is plain,
deterministic JSON. Snapshots hold the aggregate's state: the frozen value objects of `domain.facts`.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import date
from typing import Any

from eventsourcing.persistence import JSONTranscoder, Transcoding

from domain import facts
from domain.erasure import ERASED, Erased, Erasure


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class ErasedValue(Transcoding):
    """A personal field of an erased case: stored as the marker, read back as `ERASED`."""

    type = Erased
    name = "nareis.erased"

    def encode(self, obj: Erased) -> str:
        return ""

    def decode(self, data: str) -> Erased:
        return ERASED


class FrozenValueAsDict(Transcoding):
    """One transcoding per frozen dataclass; JSON arrays come back as the tuples the values use."""

    def __init__(self, value_type: type) -> None:
        self.type = value_type
        self.name = f"nareis.{value_type.__name__}"

    def encode(self, obj: Any) -> dict[str, Any]:
        return {f.name: getattr(obj, f.name) for f in fields(obj)}

    def decode(self, data: dict[str, Any]) -> Any:
        return self.type(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})


SNAPSHOT_VALUE_TYPES = (
    facts.Sponsor,
    facts.SponsorGrant,
    facts.MemberDetails,
    facts.MemberFacts,
    facts.Application,
    facts.Document,
    facts.Assessment,
    facts.Decision,
    facts.Permit,
    facts.Withdrawal,
    facts.DecisionPeriodExtension,
    Erasure,
)


def register_nareis_transcodings(transcoder: JSONTranscoder) -> None:
    transcoder.register(DateAsISO())
    transcoder.register(ErasedValue())
    for value_type in SNAPSHOT_VALUE_TYPES:
        transcoder.register(FrozenValueAsDict(value_type))
