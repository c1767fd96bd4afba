"""The keys that keep refugees' personal data unreadable at rest (README, "Encryption at rest").

Envelope encryption: the master key (`NAREIS_ENCRYPTION_KEY`) encrypts no data itself. It wraps
the few keys that do, kept in the store's key table (`key_table.py`): the store key, one per
database, from which HKDF derives the key of the library's cipher (events and snapshots) and the
read model's keys. Rotating the master key re-wraps those keys and re-encrypts no event, which the
log's hash chain over the stored bytes could not allow anyway.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from base64 import b64decode, b64encode
from dataclasses import dataclass, field
from functools import cached_property

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, AESSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from eventsourcing.persistence import Cipher
from eventsourcing.utils import Environment, resolve_topic

KEY_BYTES = 32
NONCE_BYTES = 12
# The library's cipher (AES-GCM) for events and snapshots, named as its CIPHER_TOPIC setting.
LIBRARY_CIPHER_TOPIC = "eventsourcing.cryptography:AESCipher"


class WrongKey(Exception):
    """A wrapped key that the given master key does not open."""


def new_key() -> bytes:
    return os.urandom(KEY_BYTES)


def printable_key(key: bytes) -> str:
    """The form `NAREIS_ENCRYPTION_KEY` takes: base64."""
    return b64encode(key).decode("ascii")


def derive(secret: bytes, purpose: str, length: int = KEY_BYTES) -> bytes:
    """A key of its own for each purpose, from one secret (HKDF-SHA256)."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=purpose.encode())
    return hkdf.derive(secret)


def digest(key: bytes, text: str) -> str:
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class MasterKey:
    """`NAREIS_ENCRYPTION_KEY`: wraps and unwraps the keys of the key table."""

    secret: bytes = field(repr=False)

    @cached_property
    def key_id(self) -> str:
        """Names the key in the key table (which key wraps a row) without revealing it."""
        return "master:" + digest(self.secret, "nareis master key id")[:16]

    def wrap(self, name: str, key: bytes) -> bytes:
        """`key` encrypted for the row `name` (a wrapped key moved to another row will not open)."""
        nonce = os.urandom(NONCE_BYTES)
        return nonce + AESGCM(self.secret).encrypt(nonce, key, name.encode())

    def unwrap(self, name: str, wrapped: bytes) -> bytes:
        try:
            return AESGCM(self.secret).decrypt(
                wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], name.encode()
            )
        except InvalidTag:
            raise WrongKey(name) from None


@dataclass(frozen=True)
class StoreKeys:
    """The keys one database's store key gives, each for one purpose."""

    secret: bytes = field(repr=False)

    def events_cipher(self) -> Cipher:
        """The library's cipher, configured with its own settings in an environment of ours (so
        no variable of the process environment can change it)."""
        key = printable_key(derive(self.secret, "nareis events and snapshots"))
        cipher_class = resolve_topic(LIBRARY_CIPHER_TOPIC)
        return cipher_class(Environment(env={"CIPHER_KEY": key}))

    def read_model_text(self) -> EncryptedText:
        return EncryptedText(
            derive(self.secret, "nareis read model names", 64),
            derive(self.secret, "nareis read model v-numbers"),
        )

    def index_reference_key(self) -> bytes:
        return derive(self.secret, "nareis dependent-permit index references")


class ClearText:
    """The read model's personal text as it is: a store without an encryption key."""

    fingerprint = "clear"

    def name(self, name: str) -> str:
        return name

    def name_read(self, stored: str) -> str:
        return stored

    def v_number(self, v_number: str) -> str:
        return v_number


class EncryptedText:
    """The read model's personal text under the store's keys: a name encrypted with AES-SIV, which
    is deterministic (a rebuilt read model equals the stored one, as `replay --verify` compares
    them), and a V-number as a keyed digest (HMAC-SHA256), which a lookup can compare."""

    def __init__(self, names_key: bytes, v_numbers_key: bytes) -> None:
        self._names = AESSIV(names_key)
        self._v_numbers_key = v_numbers_key
        self.fingerprint = "keyed:" + digest(v_numbers_key, "nareis read model")[:16]

    def name(self, name: str) -> str:
        return "siv:" + printable_key(self._names.encrypt(name.encode(), [b"name"]))

    def name_read(self, stored: str) -> str:
        return self._names.decrypt(b64decode(stored.removeprefix("siv:")), [b"name"]).decode()

    def v_number(self, v_number: str) -> str:
        return "hmac:" + digest(self._v_numbers_key, v_number)
