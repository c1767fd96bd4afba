"""The caseload as known now is read from per-day sums (infrastructure/caseload_days.py), kept as
members' states and terms change. It must answer what the scan of every member answers (the path
`known_at` takes; the last representable instant is "as known now") for every as_of: before any
grant, on each month of the histories, far in the future; after corrections of every kind, a
corrected grant, a re-derivation with another calendar, and a rebuild."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

import pytest

from application.commands import GrantSponsorPermit
from application.seeding import EVERY_CORRECTION, CaseGenerator
from domain.eligibility import term_as_of
from infrastructure import caseload_days
from infrastructure.composition import Nareis
from infrastructure.read_model_sql import SQLReadModel
from infrastructure.sql_dialect import TranslatingCursor
from tests.integration.conftest import CTX, open_system
from tests.integration.test_rederivation import a_later_decree, restarted, seeded_case_ids

TODAY = date(2026, 11, 28)
LAST_INSTANT = datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
AS_OF_DATES = (
    date(2000, 1, 1),
    *(date(year, month, day) for year in (2024, 2025, 2026) for month in range(1, 13)
      for day in (1, 16)),
    TODAY,
    TODAY + timedelta(days=1),
    date(2027, 6, 1),
    date(2100, 1, 1),
)  # fmt: skip


def seeded_with_corrections(database_url: str, count: int = 120) -> Nareis:
    """Generated cases with corrections of every kind, projected batch by batch as they come."""
    system = open_system(database_url)
    generator = CaseGenerator(seed=5, today=TODAY, mix=EVERY_CORRECTION)
    cases = list(generator.cases(count))
    system.application.save(*cases[: count // 2])
    system.catch_up()
    system.application.save(*cases[count // 2 :])
    system.catch_up()
    revised = [system.application.repository.get(case.id) for case in cases]
    for case in revised:
        generator.revise(case)
    system.application.save(*revised)
    system.catch_up()
    return system


def assert_days_answer_like_the_scan(
    view: SQLReadModel, as_of_dates: Iterable[date] = AS_OF_DATES
) -> set[str]:
    """Every as_of compared; the distinct answers, to show the comparisons could have failed."""
    answers = set()
    for as_of in as_of_dates:
        from_days = view.caseload(as_of, None)
        assert from_days == view.caseload(as_of, LAST_INSTANT), as_of
        answers.add(repr(from_days))
    return answers


def test_the_caseload_from_the_per_day_sums_equals_the_scan_for_every_as_of(database_url: str):
    system = seeded_with_corrections(database_url)

    every_day = (date(2024, 1, 1) + timedelta(days=n) for n in range(3 * 366))
    answers = assert_days_answer_like_the_scan(system.read_model.view, [*AS_OF_DATES, *every_day])

    assert len(answers) > 300, "the caseload hardly moves: the test proves little"
    now = system.read_model.view.caseload(TODAY, None)
    assert now.applications["late"] and now.overdue_decisions and now.permits["over_target"]
    assert all(now.stages.values()), now.stages
    system.close()


def test_a_corrected_grant_moves_the_timely_and_late_applications_of_its_members(
    database_url: str,
):
    system = seeded_with_corrections(database_url, count=40)
    view, app = system.read_model.view, system.application
    case_id, last_applied_on = a_case_with_a_late_application(system)
    before = view.caseload(TODAY, None)

    # The grant on the last application's day: no application in the case is late any more.
    corrected = GrantSponsorPermit(case_id, last_applied_on, "independent", correction_reason="typo")
    app.execute(corrected, CTX)
    system.catch_up()

    assert view.caseload(TODAY, None).applications != before.applications
    assert_days_answer_like_the_scan(view)
    system.close()


def a_case_with_a_late_application(system: Nareis) -> tuple[str, date]:
    """A case with an application after its term's end, and the day of its last application."""
    for case_id in seeded_case_ids(system):
        facts = system.application.get_case(case_id).facts
        term = term_as_of(facts)
        submitted = [m.application.submitted_on for m in facts.members if m.application]
        if term and submitted and max(submitted) > term.ends_on:
            return case_id, max(submitted)
    raise AssertionError("no case with a late application")


def test_a_re_derivation_with_another_calendar_keeps_the_caseload_equal_to_the_scan(
    database_url: str,
):
    seeded_with_corrections(database_url).close()
    calendar = a_later_decree(database_url)
    system = restarted(database_url, calendar)
    view = system.read_model.view
    before = view.dump()

    assert system.rederive() is True

    changed = [t for t in caseload_days.TABLES if view.dump()[t] != before[t]]
    assert changed, "the decree moved no figure's day: the test proves nothing"
    assert_days_answer_like_the_scan(view)
    system.close()


def test_a_rebuilt_read_model_answers_the_caseload_like_the_scan_and_like_before(
    database_url: str,
):
    system = seeded_with_corrections(database_url, count=60)
    view = system.read_model.view
    tables = {t: rows for t, rows in view.dump().items() if t in caseload_days.TABLES}
    assert all(tables.values())

    system.rebuild()

    assert {t: rows for t, rows in view.dump().items() if t in caseload_days.TABLES} == tables
    assert_days_answer_like_the_scan(view)
    system.close()


def test_the_caseload_as_known_now_reads_the_per_day_sums_not_the_members(
    database_url: str, monkeypatch: pytest.MonkeyPatch
):
    system = seeded_with_corrections(database_url, count=20)
    statements: list[str] = []
    execute = TranslatingCursor.execute

    def counted(self: TranslatingCursor, sql: str, params=()):  # type: ignore[no-untyped-def]
        statements.append(sql)
        return execute(self, sql, params)

    monkeypatch.setattr(TranslatingCursor, "execute", counted)
    system.read_model.view.caseload(TODAY, None)
    now = [s for s in statements if "rm_" in s and "rm_meta" not in s]
    statements.clear()
    system.read_model.view.caseload(TODAY, LAST_INSTANT)
    scanned = [s for s in statements if "rm_member_states" in s]

    assert len(now) == 1 and "rm_caseload_days" in now[0] and "rm_member_states" not in now[0]
    assert len(scanned) == 2, "the known_at path no longer scans: this test compares nothing"
    system.close()
