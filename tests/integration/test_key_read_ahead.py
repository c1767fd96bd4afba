"""A projection batch reads the keys of its cases in one query before it decodes their events
(infrastructure/case_keys.py `read_ahead`): one query per case was 8% of a rebuild."""

from __future__ import annotations

from datetime import date

from application.projections import CaseListFilter, catch_up
from application.seeding import CaseGenerator
from infrastructure.key_table import KeyTable
from tests.integration.conftest import open_system

CASES = 40


def test_a_batch_reads_its_cases_keys_in_one_query_and_none_one_by_one(database_url, monkeypatch):
    system = open_system(database_url)
    system.application.save_new_cases(*CaseGenerator(seed=3, today=date(2026, 11, 28)).cases(CASES))
    system.close()
    reopened = open_system(database_url)  # a process that has no key in memory
    one_by_one, in_one_go = [], []
    row, rows_named = KeyTable.row, KeyTable.rows_named
    monkeypatch.setattr(KeyTable, "row", lambda t, name: one_by_one.append(name) or row(t, name))
    monkeypatch.setattr(
        KeyTable, "rows_named", lambda t, names: in_one_go.append(names) or rows_named(t, names)
    )

    projected = catch_up(reopened.application, reopened.read_model, batch_size=10_000)

    assert projected > CASES
    assert one_by_one == []
    assert len(in_one_go) == 1
    assert len(in_one_go[0]) >= CASES  # every case's key (and names of other aggregates)
    listed = reopened.read_model.view.list_cases(
        date(2026, 11, 28), None, CaseListFilter(), 1, 100
    )
    assert all(listing.sponsor_name for listing in listed.cases)  # the names were opened
    reopened.close()

