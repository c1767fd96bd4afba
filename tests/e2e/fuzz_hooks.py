"""Schemathesis hooks for the hostile-input test (`test_hostile_input.py`), loaded by `st run`
through SCHEMATHESIS_HOOKS in its own process.

Two checks of our own join schemathesis's:
- `refused_request_records_nothing`: every request is bracketed by a count of the events in the
  server's database (FUZZ_DATABASE_URL, read beside the server), and a refused request (4xx or
  5xx) after which the store holds more events than before it fails. `st run` sends one request
  at a time (`--workers 1`), so nothing else writes between the two counts.
- `schema_valid_request_refused_only_by_a_rule`: a 422 to a request the document calls valid
  must name a rule of DOMAIN.md, not a shape the document failed to state.

And one hook shapes data: schema-valid bodies get plausible dates (`map_case`).
"""

from __future__ import annotations

import os
import re
import sqlite3
from typing import Any

import psycopg
import schemathesis
from schemathesis.core.parameters import ParameterLocation

from tests.stores import events_table, is_sqlite

DATABASE_URL = os.environ["FUZZ_DATABASE_URL"]
COUNT_EVENTS = f"SELECT COUNT(*) FROM {events_table(DATABASE_URL)}"

# One connection for the whole run, each statement its own transaction (it sees every commit); the
# hooks run in schemathesis's worker thread, one request at a time.
_connection: Any = (
    sqlite3.connect(
        DATABASE_URL.removeprefix("sqlite:///"),
        timeout=10,
        isolation_level=None,
        check_same_thread=False,
    )
    if is_sqlite(DATABASE_URL)
    else psycopg.connect(DATABASE_URL, autocommit=True)
)
_before: dict[str, int] = {}
_recorded_by: dict[str, int] = {}  # case id -> events its last request added


def _event_count() -> int:
    [(count,)] = _connection.execute(COUNT_EVENTS).fetchall()
    return count


# The 422s a schema-valid request may get: the input rules of DOMAIN.md that a JSON Schema does not
# state (a date before 2001-04-01, an arrival after the asylum application, a control character, a
# blank name, the fields that go with a relationship, a correction without its reason, ...). Any
# other 422 to a schema-valid request means the document does not describe what the server
# enforces: a body of the wrong shape (`invalid-input`), an unknown field, a value not in a list,
# a malformed If-Match or Idempotency-Key.
RULE_REFUSALS = frozenset(
    f"urn:nareis:problem:{code}"
    for code in (
        "implausible-date",
        "arrival-after-asylum-application",
        "forbidden-character",
        "blank-text",
        "relationship-fields",
        "not-a-partner-member",
        "grounds-required",
        "correction-reason-required",
        "too-many-members",
    )
)


@schemathesis.hook
def before_call(context: schemathesis.HookContext, case: schemathesis.Case, kwargs: Any) -> None:
    _before[case.id] = _event_count()


@schemathesis.hook
def after_call(
    context: schemathesis.HookContext, case: schemathesis.Case, response: schemathesis.Response
) -> None:
    _recorded_by[case.id] = _event_count() - _before.pop(case.id)


@schemathesis.check
def refused_request_records_nothing(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case
) -> bool | None:
    """API.md: a refused command records nothing, and a 5xx means the command was not recorded.
    (A check returns True when it does not apply, here to an answer that is no refusal.)"""
    if response.status_code < 400:
        return True
    recorded = _recorded_by.get(case.id)
    if recorded is None:
        raise AssertionError("the request was not counted (no before_call/after_call hook ran)")
    if recorded:
        raise AssertionError(
            f"answered {response.status_code} but recorded {recorded} event(s): {response.text[:300]}"
        )
    return None


@schemathesis.check
def schema_valid_request_refused_only_by_a_rule(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case
) -> bool | None:
    """A 422 to a request that is valid by the document names a rule of DOMAIN.md (RULE_REFUSALS);
    schemathesis's `positive_data_acceptance` is told to accept 412 and 422, and this is stricter."""
    meta = case.meta
    if (
        response.status_code != 422
        or meta is None
        or meta.generation.mode.is_negative
        or any(meta.is_negative_at(location) for location in meta.components)
    ):
        return True
    problem = response.json()
    if problem.get("type") not in RULE_REFUSALS:
        raise AssertionError(
            f"a request valid by the document was refused as {problem.get('type')}: "
            f"{problem.get('detail')}"
        )
    return None


_BODY = ParameterLocation.BODY
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def _plausible(value: Any, key: str = "") -> Any:
    """`value` with every date moved into years the rules accept (a birth in 1950-2009, any other
    fact in 2020-2026), month and day kept (29 February becomes the 28th)."""
    if isinstance(value, dict):
        return {k: _plausible(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_plausible(v, key) for v in value]
    found = _DATE.match(value) if isinstance(value, str) else None
    if found is None:
        return value
    year, month, day = (int(part) for part in found.groups())
    year = 1950 + year % 60 if key == "born_on" else 2020 + year % 7
    day = min(day, 28) if month == 2 else day
    return f"{year:04d}-{month:02d}-{day:02d}"


@schemathesis.hook
def map_case(context: schemathesis.HookContext, case: schemathesis.Case) -> schemathesis.Case:
    """Schema-valid bodies with plausible dates: the generator draws any date, and the rules
    refuse facts before 2001-04-01 (DOMAIN.md), so without this hardly a case would be opened and
    the stateful phase would never follow a link. Negative bodies are left as generated."""
    meta = case.meta
    if meta is not None and not meta.is_negative_at(_BODY) and isinstance(case.body, dict):
        case.body = _plausible(case.body)
    return case
