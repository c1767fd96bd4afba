"""The event chain's hashes and its key setting, without a store."""

from __future__ import annotations

import base64
from dataclasses import replace
from uuid import UUID

import pytest

from infrastructure.event_chain import GENESIS, EventChain
from infrastructure.settings import ConfigurationError, Settings

CASE = UUID("4f1c2a57-1111-4222-8333-444455556666")
EVENT = (GENESIS, CASE, 3, "domain.case:Case.MemberRegistered", b'{"name":"Samir"}')


def test_an_events_hash_covers_the_previous_hash_and_every_stored_field():
    chain = EventChain()
    original = chain.link(*EVENT)
    changed = [
        ("1" * 64, *EVENT[1:]),
        (GENESIS, UUID(int=CASE.int + 1), *EVENT[2:]),
        (*EVENT[:2], 4, *EVENT[3:]),
        (*EVENT[:3], "domain.case:Case.DocumentReceived", EVENT[4]),
        (*EVENT[:4], b'{"name":"Sami"}'),
    ]
    assert all(chain.link(*fields) != original for fields in changed)
    assert chain.link(*EVENT) == original  # and nothing else: the same bytes, the same hash


def test_the_id_hashes_alike_as_each_store_returns_it():
    chain = EventChain()
    assert chain.link(*EVENT) == chain.link(EVENT[0], CASE.hex, *EVENT[2:])


def test_fields_cannot_be_shifted_from_one_into_the_next():
    chain = EventChain()
    assert chain.link(GENESIS, CASE, 1, "ab", b"c") != chain.link(GENESIS, CASE, 1, "a", b"bc")


def test_the_key_changes_every_hash_seal_and_key_id():
    unkeyed, keyed = EventChain(), EventChain(bytes(32))
    assert unkeyed.link(*EVENT) != keyed.link(*EVENT)
    assert unkeyed.seal_head(GENESIS) != keyed.seal_head(GENESIS)
    assert unkeyed.key_id != keyed.key_id and not unkeyed.keyed and keyed.keyed


def test_a_log_record_is_sealed_by_its_key_and_its_counts():
    chain = EventChain(bytes(32))
    record = chain.sealed_log(7, 7, 12)
    assert chain.log_is_sealed(record)
    assert not EventChain().log_is_sealed(record)
    assert not chain.log_is_sealed(replace(record, chains=11))


def test_nareis_chain_key_is_base64_of_32_bytes_and_unset_means_unkeyed():
    key = bytes(range(32))
    settings = Settings.from_environment({"NAREIS_CHAIN_KEY": base64.b64encode(key).decode()})
    assert settings.chain_key == key
    assert Settings.from_environment({}).chain_key is None


@pytest.mark.parametrize(
    "value", ["c2hvcnQ=", "not base64 at all!", base64.b64encode(bytes(33)).decode()]
)
def test_a_malformed_chain_key_is_refused_without_repeating_it(value: str):
    with pytest.raises(ConfigurationError) as refused:
        Settings.from_environment({"NAREIS_CHAIN_KEY": value})
    assert value not in str(refused.value) and "NAREIS_CHAIN_KEY" in str(refused.value)
