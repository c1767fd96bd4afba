"""Opening a store's keys: the encryption at rest of one database, set up when a process opens it.

Every store seals each case's personal fields under the case's own key (`personal_data.py`), with
or without a master key, so that any case can be erased.

With `NAREIS_ENCRYPTION_KEY`, the store key (created with the database, wrapped by the master key)
gives the library's cipher for events and snapshots, the read model's encrypted names and keyed
V-number digests, and the dependent-permit index's keyed references. Without one, a database is
recorded as a clear one, and stays so: a key given later is refused, as is a missing key for an
encrypted database, each with one line that names the setting and never a key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eventsourcing.persistence import Cipher

from application.permit_index import PLAIN_REFERENCES, IndexReferences, StoredPermitIndex
from application.service import NareisApplication
from infrastructure.case_keys import CaseKeys
from infrastructure.key_table import CLEAR, STORE_KEY, KeyRow, KeyTable
from infrastructure.keyring import (
    ClearText,
    EncryptedText,
    MasterKey,
    StoreKeys,
    WrongKey,
    digest,
    new_key,
)
from infrastructure.personal_data import SealedPersonalData, SealingMapper
from infrastructure.settings import ConfigurationError

SETTING = "NAREIS_ENCRYPTION_KEY"
NOT_ENCRYPTED = (
    f"{SETTING} is set, but this database was written without an encryption key; turning "
    "encryption on for a database that holds events is not supported (README, "
    '"Encryption at rest")'
)


@dataclass(frozen=True)
class Protection:
    """What a store's keys give a process: None/clear parts for a store without a key."""

    store_keys: StoreKeys | None
    read_model_text: ClearText | EncryptedText
    index_references: IndexReferences

    @property
    def encrypted(self) -> bool:
        return self.store_keys is not None


def key_table_of(application: NareisApplication) -> KeyTable:
    recorder: Any = application.recorder
    return KeyTable(recorder.datastore, recorder.dialect)


def protect(application: NareisApplication, master_key: bytes | None) -> Protection:
    """Open the store keys of `application`'s database with `master_key` and put them to work:
    the library's cipher in the application's mapper, keyed references in its permit index."""
    master = MasterKey(master_key) if master_key is not None else None
    log_is_empty = application.recorder.max_notification_id() is None
    table = key_table_of(application)
    store_keys = open_store_keys(table, master, log_is_empty)
    case_keys = seal_cases(
        application, table, master, store_keys.events_cipher() if store_keys else None
    )
    if store_keys is None:
        return Protection(None, ClearText(), PLAIN_REFERENCES)
    references = index_references(store_keys, case_keys)
    application.permit_index = StoredPermitIndex(application, references)
    return Protection(store_keys, store_keys.read_model_text(), references)


def seal_cases(
    application: NareisApplication, table: KeyTable, master: MasterKey | None, cipher: Cipher | None
) -> CaseKeys:
    """Each case's personal fields under its own key, the whole under `cipher` (with a master
    key); the recorder destroys a case's key when its erasure is recorded."""
    case_keys = CaseKeys(table, master)
    mapper = SealingMapper(
        application.mapper.transcoder, application.mapper.compressor, cipher, case_keys
    )
    application.use_mapper(mapper)
    recorder: Any = application.recorder
    recorder.case_keys = case_keys
    application.personal_data = SealedPersonalData(recorder, mapper, table)
    return case_keys


def open_store_keys(
    table: KeyTable, master: MasterKey | None, log_is_empty: bool
) -> StoreKeys | None:
    """The store keys (None for a store without a key), created with a new database."""
    row = table.row(STORE_KEY)
    if row is None:
        if master is not None and not log_is_empty:
            raise ConfigurationError(NOT_ENCRYPTED)
        row = table.insert_if_absent(new_store_row(master))
    return store_keys_of(row, master)


def check_store_keys(table: KeyTable, master: MasterKey | None) -> None:
    """Whether `master` opens the store, as `open_store_keys` would; writes nothing."""
    store_keys_of(table.row(STORE_KEY) or KeyRow(STORE_KEY, CLEAR), master)


def store_keys_of(row: KeyRow, master: MasterKey | None) -> StoreKeys | None:
    if row.wrapped_by == CLEAR:
        if master is not None:
            raise ConfigurationError(NOT_ENCRYPTED)
        return None
    if master is None:
        raise ConfigurationError(f"this database is encrypted: set {SETTING} to its key")
    return StoreKeys(unwrapped(master, row))


def new_store_row(master: MasterKey | None) -> KeyRow:
    if master is None:
        return KeyRow(STORE_KEY, CLEAR)
    return KeyRow(STORE_KEY, master.key_id, master.wrap(STORE_KEY, new_key()))


def unwrapped(master: MasterKey, row: KeyRow) -> bytes:
    if row.wrapped_by != master.key_id or row.key is None:
        raise ConfigurationError(
            f"{SETTING} is not the key this database is encrypted with (after `nareis "
            "rotate-key`, set the new key)"
        )
    try:
        return master.unwrap(row.name, row.key)
    except WrongKey:
        raise ConfigurationError(f"{SETTING} does not open this database's keys") from None


def index_references(store_keys: StoreKeys, case_keys: CaseKeys) -> IndexReferences:
    """Keyed references: a V-number as `SCHEME:DIGEST`, the scheme naming the key (so an index
    built with another key is built again, and never mixed with this one); a holder as a digest
    of its member under its case's key (gone with the key when the case is erased)."""
    key = store_keys.index_reference_key()
    scheme = "hmac-" + digest(key, "nareis index scheme")[:12]

    def holder(case_id: str, member_id: str) -> tuple[str, str]:
        case_key = case_keys.for_writing(case_id)
        return "holder:" + digest(case_key, f"nareis index holder {member_id}"), ""

    return IndexReferences(lambda v_number: f"{scheme}:{digest(key, v_number)}", holder, scheme)


def rotate_master_key(table: KeyTable, old: bytes, new: bytes) -> int:
    """Re-wrap every key of the table from the master key `old` to `new`, in one transaction;
    how many keys. Rows wrapped by another key, or none, are refused before anything changes."""
    old_master, new_master = MasterKey(old), MasterKey(new)

    def rewrapped(row: KeyRow) -> KeyRow:
        if row.wrapped_by == new_master.key_id:
            return row  # rotated already: the command was run again
        key = unwrapped(old_master, row)
        return KeyRow(row.name, new_master.key_id, new_master.wrap(row.name, key))

    store = table.row(STORE_KEY)
    if store is None or store.wrapped_by == CLEAR:
        raise ConfigurationError(NOT_ENCRYPTED.replace("is set, but", "is set for rotate-key, but"))
    return table.rewrap(rewrapped)
