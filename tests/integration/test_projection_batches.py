"""A batch of events writes the read model's rows a table at a time, from the current rows it
read once: the rows are the same as projecting one event per transaction, whatever the batch
holds of one case or member (corrections, a grant corrected twice, an erasure)."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import replace
from pathlib import Path

import pytest

from application.commands import (
    CorrectMemberDetails,
    CorrectSponsorDetails,
    ExtendDecisionPeriod,
    GrantSponsorPermit,
    OpenCase,
    RecordArrival,
    RecordAssessment,
    RegisterMember,
    SubmitApplication,
    TakeDecision,
    Withdraw,
)
from application.projections import catch_up
from application.seeding import CaseGenerator
from infrastructure.composition import Nareis
from infrastructure.read_model_sql import SQLReadModel
from infrastructure.read_model_writes import KEYS, current_rows_sql
from infrastructure.sql_dialect import SQLITE
from tests.integration.conftest import (
    CTX,
    D,
    a_partner,
    a_sponsor,
    granted_member_case,
    open_system,
)

LATE = "late_application_excusable"


def corrected_case(nareis: Nareis, v_number: str) -> None:
    """A case whose sponsor, grant, member and application are each corrected, with findings."""
    app = nareis.application
    case_id = app.execute(OpenCase(a_sponsor(v_number)), CTX).case_id
    for granted_on in ("2025-11-30", "2025-12-15", "2026-01-05"):  # two corrections of the grant
        reason = None if granted_on == "2025-11-30" else "typo"
        app.execute(
            GrantSponsorPermit(case_id, D(granted_on), "independent", correction_reason=reason), CTX
        )
    corrected_sponsor = replace(a_sponsor(v_number), name="Amal Haddad")
    app.execute(CorrectSponsorDetails(case_id, corrected_sponsor, correction_reason="typo"), CTX)
    member_id = app.execute(RegisterMember(case_id, a_partner()), CTX).member_id
    assert member_id is not None
    details = replace(a_partner(), name="Samir Haddad")
    app.execute(CorrectMemberDetails(case_id, member_id, details, correction_reason="typo"), CTX)
    app.execute(RecordArrival(case_id, member_id, D("2026-01-20")), CTX)
    app.execute(SubmitApplication(case_id, member_id, D("2026-04-10"), "mvv_abroad"), CTX)
    app.execute(
        SubmitApplication(case_id, member_id, D("2026-04-11"), "mvv_abroad", correction_reason="x"),
        CTX,
    )
    app.execute(RecordAssessment(case_id, member_id, D("2026-04-20"), LATE, "met", "ill"), CTX)
    app.execute(TakeDecision(case_id, member_id, D("2026-05-02"), "refused", ("timely",)), CTX)
    other = app.execute(RegisterMember(case_id, a_partner()), CTX).member_id
    assert other is not None
    app.execute(SubmitApplication(case_id, other, D("2026-02-01"), "mvv_abroad"), CTX)
    app.execute(ExtendDecisionPeriod(case_id, other, D("2026-03-01"), "busy"), CTX)
    app.execute(Withdraw(case_id, other, D("2026-05-03"), "moved"), CTX)


def a_log_of_corrections_and_an_erasure(nareis: Nareis) -> None:
    corrected_case(nareis, "1000000001")
    case_id, _ = granted_member_case(nareis, "2000000002")
    corrected_case(nareis, "1000000003")
    nareis.application.erase(case_id, "asked", "alice")


@pytest.mark.parametrize("batch_size", [3, 1000])
def test_a_batch_writes_the_rows_that_one_event_per_batch_writes(
    nareis: Nareis, batch_size: int, monkeypatch
):
    # A mark of the deadline counts every 2 changes: the marks too must not depend on the batches.
    monkeypatch.setattr(SQLReadModel, "changes_per_mark", 2)
    a_log_of_corrections_and_an_erasure(nareis)
    app, view = nareis.application, nareis.read_model.view
    catch_up(app, nareis.read_model, batch_size=1)
    spare = nareis.read_model.into(view.spare("batched"))
    catch_up(app, spare, batch_size=batch_size, tracked_as="batched")

    one_by_one, batched = view.dump(), spare.view.dump()
    assert batched == one_by_one
    assert len(one_by_one["rm_terms"]) == 2 * 3 + 1  # each grant and its corrections are kept
    assert sum(1 for row in one_by_one["rm_terms"] if row[3] is None) == 3  # one current per case
    assert len(one_by_one["rm_term_days"]) > 0
    assert len(one_by_one["rm_marks"]) >= 3


def current_rows_plans(path: Path) -> dict[str, str]:
    with closing(sqlite3.connect(path)) as raw:
        values, params = SQLITE.any_of(["a", "b", "c"])
        return {
            table: " ".join(
                row[3]
                for row in raw.execute(
                    f"EXPLAIN QUERY PLAN {current_rows_sql(table, values)}", params
                )
            )
            for table in KEYS
        }


def test_a_batch_finds_the_current_rows_of_its_cases_by_case_id(tmp_path: Path):
    nareis = open_system(f"sqlite:///{tmp_path / 'nareis.db'}")
    cases = list(CaseGenerator(seed=3, today=D("2026-11-28")).cases(60))
    nareis.application.save_new_cases(*cases)
    nareis.catch_up()
    nareis.close()
    without_statistics = current_rows_plans(tmp_path / "nareis.db")
    with closing(sqlite3.connect(tmp_path / "nareis.db")) as raw:
        raw.execute("ANALYZE")
    with_statistics = current_rows_plans(tmp_path / "nareis.db")

    for plans in (without_statistics, with_statistics):
        for table, plan in plans.items():
            assert plan.startswith(f"SEARCH {table} USING"), plan
            assert "(case_id=?)" in plan, plan
