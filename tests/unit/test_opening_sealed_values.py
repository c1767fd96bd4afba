"""Sealed personal values are opened in the stored bytes (infrastructure/personal_data.py): the
answer must be the one the tree walk gives, for every shape a stored event or snapshot has."""

from __future__ import annotations

import json

from infrastructure.personal_data import (
    SEALED,
    _dumps,
    _opened_in_place,
    opened_tree,
    sealed_tree,
)


def seal(field: str, value: object) -> dict[str, str]:
    # The store writes base64; hex is a subset of its characters, so the shape is the same.
    return {"_type_": SEALED, "_data_": f"{field}:{json.dumps(value)}".encode().hex()}


def open_value(field: str, data: str) -> object:
    sealed_field, _, value = bytes.fromhex(data).decode().partition(":")
    assert sealed_field == field  # the field's name is the seal's associated data
    return json.loads(value)


SNAPSHOT = {
    "topic": "domain.case:Case",
    "state": {
        "sponsor": {"name": "Amal", "v_number": "1000000001", "born_on": "1988-03-14"},
        "members": {
            "m1": {"details": {"name": "Samir", "note": None}, "documents": [{"kind": "x"}] * 3},
            "m2": {"details": {"name": "Lina \"the\" {elder}", "v_number": None}},
        },
        "reasons": ["a", {"reason": "moved"}],
    },
}


def test_every_sealed_value_is_opened_as_the_tree_walk_opens_it():
    stored = _dumps(sealed_tree(SNAPSHOT, seal))
    assert _opened_in_place(stored, open_value) == _dumps(opened_tree(json.loads(stored), open_value))
    assert json.loads(_opened_in_place(stored, open_value)) == SNAPSHOT


def test_a_state_without_sealed_values_is_returned_as_it_is():
    stored = _dumps({"kind": "other", "official": False})
    assert _opened_in_place(stored, open_value) == stored


def test_an_erased_value_is_opened_into_its_marker():
    stored = _dumps(sealed_tree({"name": "Amal"}, seal))
    erased = {"_type_": "nareis.erased", "_data_": ""}
    assert json.loads(_opened_in_place(stored, lambda field, data: erased)) == {"name": erased}


def test_a_sealed_value_written_in_another_shape_is_left_to_the_tree_walk():
    other_order = json.dumps({"name": {"_data_": "00", "_type_": SEALED}}).encode()
    assert _opened_in_place(other_order, open_value) is None
