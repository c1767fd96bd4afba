"""Field-level encryption of a case's personal data under the case's own key (crypto-shredding).

`SealingMapper` is the library's `Mapper` with one more step. Writing: the library encodes an
event's (or a case snapshot's) state as JSON; each personal field (`domain.erasure.PERSONAL_FIELDS`,
at any depth: a snapshot holds them inside its values) is replaced by a sealed value, AES-GCM under
the case's key with the case and field as associated data; then the library's cipher, when there
is a master key, encrypts the whole. Reading undoes this; a field whose case was erased (its key
destroyed) reads as the marker that decodes to `ERASED`. Events stored before sealing existed hold
their personal fields as they are, and read as they always did.
"""

from __future__ import annotations

import json
import os
from base64 import b64decode, b64encode
from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.domain import Snapshot
from eventsourcing.persistence import (
    Cipher,
    Compressor,
    Mapper,
    MapperDeserialisationError,
    StoredEvent,
    Transcoder,
)
from eventsourcing.utils import get_topic

from domain.case import Case
from domain.erasure import PERSONAL_FIELDS
from infrastructure.case_keys import CaseKeys
from infrastructure.key_table import KeyTable

SEALED, ERASED_MARK = "nareis.sealed", "nareis.erased"  # `_type_` names, as the transcoder's
NONCE_BYTES = 12
CASE_TOPIC = get_topic(Case)
CASE_EVENT_PREFIX = CASE_TOPIC + "."
SNAPSHOT_TOPIC = get_topic(Snapshot)
ERASED_TOPIC = get_topic(Case.CaseErased)
_PERSONAL_KEYS = tuple(f'"{field}":'.encode() for field in PERSONAL_FIELDS)
_SEALED_MARK = f'"{SEALED}"'.encode()
# A sealed value as `_dumps` writes it, always the whole value of its personal field; found with
# `bytes.find` and opened in the stored bytes, without parsing and writing the whole event again (a
# snapshot of a case with 1,000 documents holds some 60,000 JSON objects, a few dozen of them sealed).
_SEALED_OPENING = b'{"_type_":"' + SEALED.encode() + b'","_data_":"'
Seal = Callable[[str, Any], Any]


def _dumps(tree: Any) -> bytes:
    return json.dumps(tree, separators=(",", ":"), ensure_ascii=False).encode()


def _is_marker(value: Any) -> bool:
    return isinstance(value, dict) and value.get("_type_") in (SEALED, ERASED_MARK)


def sealed_tree(node: Any, seal: Seal) -> Any:
    """`node` with the value of every personal field (one that holds something) sealed."""
    if isinstance(node, dict):
        return {
            key: seal(key, value)
            if key in PERSONAL_FIELDS and value is not None and not _is_marker(value)
            else sealed_tree(value, seal)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [sealed_tree(value, seal) for value in node]
    return node


def opened_tree(node: Any, open_value: Seal, field: str = "") -> Any:
    """`node` with every sealed value opened (or marked erased) by `open_value(field, data)`."""
    if isinstance(node, dict):
        if node.get("_type_") == SEALED and len(node) == 2:
            return open_value(field, node["_data_"])
        return {key: opened_tree(value, open_value, key) for key, value in node.items()}
    if isinstance(node, list):
        return [opened_tree(value, open_value, field) for value in node]
    return node


def unsealed_fields(node: Any) -> bool:
    """Whether `node` holds a personal field in clear (stored before sealing existed)."""
    if isinstance(node, dict):
        return any(
            (key in PERSONAL_FIELDS and value is not None and not _is_marker(value))
            or unsealed_fields(value)
            for key, value in node.items()
        )
    return isinstance(node, list) and any(unsealed_fields(value) for value in node)


class SealingMapper(Mapper[UUID]):
    """The library's mapper (which here only encodes), the case's seal on personal fields, then
    the library's compressor and cipher over the whole."""

    def __init__(
        self,
        transcoder: Transcoder,
        compressor: Compressor | None,
        cipher: Cipher | None,
        case_keys: CaseKeys,
    ) -> None:
        super().__init__(transcoder)
        self.outer_compressor, self.outer_cipher = compressor, cipher
        self.case_keys = case_keys

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        stored = super().to_stored_event(domain_event)
        state = self._sealed(stored) if self._may_hold_personal_data(stored) else stored.state
        return _with_state(stored, self.outer(state))

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        try:
            state = self.inner(stored_event.state)
        except Exception as error:
            where = f"{stored_event.originator_id} version {stored_event.originator_version}"
            msg = f"Failed to decrypt the stored event of {where}: {error}"
            raise MapperDeserialisationError(msg) from error
        if stored_event.topic == ERASED_TOPIC:
            self.case_keys.forget(stored_event.originator_id)  # another process erased it
        if _SEALED_MARK in state:
            state = self._opened(stored_event, state)
        return super().to_domain_event(_with_state(stored_event, state))

    def outer(self, state: bytes) -> bytes:
        if self.outer_compressor:
            state = self.outer_compressor.compress(state)
        return self.outer_cipher.encrypt(state) if self.outer_cipher else state

    def inner(self, state: bytes) -> bytes:
        if self.outer_cipher:
            state = self.outer_cipher.decrypt(state)
        return self.outer_compressor.decompress(state) if self.outer_compressor else state

    @staticmethod
    def _may_hold_personal_data(stored: StoredEvent) -> bool:
        case_state = stored.topic.startswith(CASE_EVENT_PREFIX) or stored.topic == SNAPSHOT_TOPIC
        return case_state and any(key in stored.state for key in _PERSONAL_KEYS)

    def _sealed(self, stored: StoredEvent) -> bytes:
        tree = json.loads(stored.state)
        if stored.topic == SNAPSHOT_TOPIC and tree.get("topic") != CASE_TOPIC:
            return stored.state
        case_id = str(stored.originator_id)
        aeads: list[AESGCM] = []  # the key is looked up once, and only if a field needs sealing

        def seal(field: str, value: Any) -> dict[str, str]:
            if not aeads:
                aeads.append(AESGCM(self.case_keys.for_writing(case_id)))
            nonce = os.urandom(NONCE_BYTES)
            sealed = aeads[0].encrypt(nonce, _dumps(value), f"{case_id}:{field}".encode())
            return {"_type_": SEALED, "_data_": b64encode(nonce + sealed).decode("ascii")}

        return _dumps(sealed_tree(tree, seal))

    def _opened(self, stored: StoredEvent, state: bytes) -> bytes:
        case_id = str(stored.originator_id)
        key = self.case_keys.for_reading(case_id)
        aead = AESGCM(key) if key is not None else None

        def open_value(field: str, data: str) -> Any:
            if aead is None:
                return {"_type_": ERASED_MARK, "_data_": ""}
            raw = b64decode(data)
            opened = aead.decrypt(
                raw[:NONCE_BYTES], raw[NONCE_BYTES:], f"{case_id}:{field}".encode()
            )
            return json.loads(opened)

        opened = _opened_in_place(state, open_value)
        if opened is None:  # written in another shape: open it the long way round
            return _dumps(opened_tree(json.loads(state), open_value))
        return opened


def _opened_in_place(state: bytes, open_value: Seal) -> bytes | None:
    """`state` with each sealed value (`"field":{"_type_":SEALED,"_data_":"..."}`) replaced by
    its opened value; None if a sealed value is not in that shape."""
    parts, position = [], 0
    while (start := state.find(_SEALED_OPENING, position)) != -1:
        if state[start - 2 : start] != b'":':
            return None
        field = state[state.rfind(b'"', 0, start - 2) + 1 : start - 2]
        data_starts = start + len(_SEALED_OPENING)
        data_ends = state.find(b'"}', data_starts)
        if data_ends == -1:
            return None
        data = state[data_starts:data_ends].decode()
        parts += [state[position:start], _dumps(open_value(field.decode(), data))]
        position = data_ends + 2
    parts.append(state[position:])
    opened = b"".join(parts)
    return None if _SEALED_MARK in opened else opened


def _with_state(stored: StoredEvent, state: bytes) -> StoredEvent:
    return StoredEvent(stored.originator_id, stored.originator_version, stored.topic, state)


class SealedPersonalData:
    """What the application asks of the store about sealed personal data
    (`application.ports.PersonalDataSeal`)."""

    def __init__(self, recorder: Any, mapper: SealingMapper, table: KeyTable) -> None:
        self.recorder, self.mapper, self.table = recorder, mapper, table

    def unsealed_versions(self, case_id: UUID) -> list[int]:
        return [
            stored.originator_version
            for stored in self.recorder.select_events(case_id)
            if unsealed_fields(json.loads(self.mapper.inner(stored.state)))
        ]

    def make_keys(self, case_ids: Sequence[UUID]) -> None:
        self.mapper.case_keys.make(case_ids)

    def read_keys(self, case_ids: Sequence[UUID]) -> None:
        self.mapper.case_keys.read_ahead(case_ids)

    def after_erasure(self) -> None:
        self.table.clear_traces()
