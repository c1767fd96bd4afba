"""Shared set-up of the unit tests."""

from __future__ import annotations

import pytest

from domain import calendar


@pytest.fixture(autouse=True)
def each_test_computes_the_holidays_it_uses():
    """Empty the calendar's holiday cache before every test, so that no test passes on a table
    an earlier test computed. Mutation testing relies on this: mutmut runs against a mutant only
    the tests that reached the mutated function when it recorded them, and a cache hit reaches
    nothing (README, "Tests", mutation testing)."""
    calendar._holidays_in.cache_clear()
