"""Dates in the read model are derived with the Atw calendar and the policy data. When those change
(a decree published after the data), the read model records it and derives them again when a
process starts: the answer then equals a rebuild with the new calendar."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from functools import partial

import pytest
from typer.testing import CliRunner

from application.commands import OpenCase
from application.projections import (
    CaseListFilter,
    DerivedWithOtherData,
    ReadModelProjection,
    catch_up,
)
from application.seeding import CaseGenerator
from domain.calendar import ATW_CALENDAR, AtwCalendar
from domain.eligibility import term_as_of
from domain.policy import derivation_fingerprint
from domain.term import decision_due_on
from infrastructure import cli
from infrastructure.composition import Nareis, build
from infrastructure.read_model_sql import SQLReadModel
from infrastructure.settings import Settings
from tests.integration.conftest import CTX, FixedClock, a_sponsor, open_system

TODAY = date(2026, 11, 28)
AS_OF_DATES = (date(2025, 6, 1), date(2026, 1, 15), date(2026, 4, 1), TODAY)


def seeded(database_url: str) -> list[str]:
    """Generated cases, projected with the packaged calendar."""
    system = open_system(database_url)
    cases = list(CaseGenerator(seed=21, today=TODAY).cases(150))
    system.application.save(*cases)
    system.catch_up()
    system.close()
    return [str(case.id) for case in cases]


def a_later_decree(database_url: str) -> AtwCalendar:
    """The packaged calendar plus a decree that makes the day most terms end on, and the day most
    decisions fall due on, equal to a holiday."""
    system = open_system(database_url)
    ends, dues = Counter(), Counter()
    for case_id in seeded_case_ids(system):
        facts = system.application.get_case(case_id).facts
        term = term_as_of(facts)
        ends.update([term.ends_on] if term else [])
        dues.update(
            decision_due_on(m.application.submitted_on, False)
            for m in facts.members
            if m.application
        )
    system.close()
    return ATW_CALENDAR.with_decreed_days({ends.most_common(1)[0][0], dues.most_common(1)[0][0]})


def seeded_case_ids(system: Nareis) -> list[str]:
    return [
        c.case_id
        for c in system.read_model.view.list_cases(TODAY, None, CaseListFilter(), 1, 1000).cases
    ]


def restarted(database_url: str, calendar: AtwCalendar) -> Nareis:
    return build(Settings(database_url=database_url), FixedClock(), calendar)


def rebuilt(system: Nareis, calendar: AtwCalendar) -> SQLReadModel:
    scratch = system.scratch_read_model()
    catch_up(system.application, ReadModelProjection(scratch, calendar))
    return scratch


def reports(view: SQLReadModel) -> list[object]:
    return [
        (view.list_cases(as_of, None, CaseListFilter(), 1, 1000), view.caseload(as_of, None))
        for as_of in AS_OF_DATES
    ]


def test_a_read_model_derived_with_another_calendar_is_derived_again_like_a_rebuild(
    database_url: str,
):
    seeded(database_url)
    calendar = a_later_decree(database_url)
    system = restarted(database_url, calendar)
    view = system.read_model.view
    assert view.derived_with() == derivation_fingerprint(ATW_CALENDAR)
    before = view.dump()

    assert system.rederive() is True

    assert view.derived_with() == derivation_fingerprint(calendar)
    assert view.dump() != before, "the decree moved no date: the test proves nothing"
    assert view.dump() == rebuilt(system, calendar).dump()
    assert reports(view) == reports(rebuilt(system, calendar))
    for case_id in seeded_case_ids(system):
        deadline = system.application.deadline(case_id, date(2026, 1, 15)).deadline
        [listed] = [
            c
            for c in view.list_cases(date(2026, 1, 15), None, CaseListFilter(), 1, 1000).cases
            if c.case_id == case_id
        ]
        assert listed.term_ends_on == (deadline.term.ends_on if deadline.term else None)
    assert system.rederive() is False
    system.close()


def test_a_re_derivation_counts_the_marks_of_the_deadline_counts_again_like_a_rebuild(
    database_url: str, monkeypatch
):
    monkeypatch.setattr(SQLReadModel, "changes_per_mark", 13)
    seeded(database_url)
    calendar = a_later_decree(database_url)
    system = restarted(database_url, calendar)
    view = system.read_model.view
    before = view.dump()
    assert system.rederive() is True
    after = view.dump()
    assert len(after["rm_marks"]) >= 5
    assert after["rm_mark_days"] != before["rm_mark_days"], "no mark counts a moved term end"
    assert after == rebuilt(system, calendar).dump()
    system.close()


def test_a_re_derivation_that_fails_half_way_leaves_every_old_value(database_url: str, monkeypatch):
    seeded(database_url)
    system = restarted(database_url, a_later_decree(database_url))
    before = system.read_model.view.dump()

    def fail(*_: object) -> None:
        raise RuntimeError("the disk filled up")

    monkeypatch.setattr(SQLReadModel, "_rebuild_term_days", fail)
    with pytest.raises(RuntimeError):
        system.rederive()
    assert system.read_model.view.dump() == before
    assert system.read_model.view.derived_with() == derivation_fingerprint(ATW_CALENDAR)
    system.close()


def test_rows_derived_with_another_calendar_are_refused_until_the_read_model_is_derived_again(
    database_url: str,
):
    seeded(database_url)
    system = restarted(database_url, a_later_decree(database_url))
    system.application.execute(OpenCase(a_sponsor("4000000004")), CTX)
    with pytest.raises(DerivedWithOtherData):
        catch_up(system.application, system.read_model)
    assert system.catch_up() == 1  # derives again first
    system.close()


def test_the_report_command_derives_the_read_model_again_when_the_calendar_changed(
    database_url: str, monkeypatch
):
    seeded(database_url)
    calendar = a_later_decree(database_url)
    monkeypatch.setattr(cli, "build", partial(build, clock=FixedClock(), calendar=calendar))
    monkeypatch.setenv("NAREIS_DATABASE_URL", database_url)
    runner = CliRunner()
    answer = runner.invoke(
        cli.cli, ["report", "caseload", "--as-of", "2026-04-01", "--format", "json"]
    )
    assert answer.exit_code == 0, answer.output
    assert "re-deriving the read model" in answer.stderr
    system = restarted(database_url, calendar)
    expected = rebuilt(system, calendar).caseload(date(2026, 4, 1), None)
    assert json.loads(answer.stdout)["overdue_decisions"] == expected.overdue_decisions
    assert system.read_model.view.derived_with() == derivation_fingerprint(calendar)
    again = runner.invoke(cli.cli, ["report", "caseload", "--format", "json"])
    assert again.exit_code == 0 and "re-deriving" not in again.stderr
    system.close()
