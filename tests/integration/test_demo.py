"""`nareis demo` walks the rules and term examples, and running it twice records nothing new."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from domain.vocabulary import Outcome
from infrastructure.demo import build_cases
from tests.integration.conftest import events_table, open_system, sql_rows


def test_the_demo_cases_show_every_rule_outcome_the_domain_knows(database_url: str):
    system = open_system(database_url)
    cases = build_cases(system.application)
    system.catch_up()
    seen: dict[str, set[Outcome]] = {}
    for demo_case in cases:
        for member in system.application.eligibility(demo_case.case_id).members:
            for rule in member.rules:
                seen.setdefault(rule.id, set()).add(rule.outcome)
    system.close()
    assert len(seen) == 17
    not_met = {rule for rule, outcomes in seen.items() if Outcome.NOT_MET in outcomes}
    assert {
        "timely",
        "single_partner",
        "child_belongs_to_family",
        "child_age",
        "parent_of_unaccompanied_minor",
        "sponsor_permit_independent",
    } <= not_met
    assert all(
        Outcome.MET in outcomes or rule == "sponsor_has_asylum_permit"
        for rule, outcomes in seen.items()
        if rule != "custodial_parent_consent"
    )


def test_the_demo_command_prints_its_tables_and_is_idempotent(database_url: str):
    env = {**os.environ, "NAREIS_DATABASE_URL": database_url, "COLUMNS": "200"}
    nareis = Path(sys.executable).parent / "nareis"
    first = subprocess.run([nareis, "demo"], env=env, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    assert "2026-03-02" in first.stdout and "King's Day" in first.stdout
    events = sql_rows(database_url, f"SELECT COUNT(*) FROM {events_table(database_url)}")
    second = subprocess.run([nareis, "demo"], env=env, capture_output=True, text=True, timeout=120)
    assert second.returncode == 0, second.stderr
    assert sql_rows(database_url, f"SELECT COUNT(*) FROM {events_table(database_url)}") == events


def test_a_demo_case_had_its_grant_corrected_and_shows_the_old_term_end_as_known_before(
    database_url: str,
):
    system = open_system(database_url)
    try:
        corrected = build_cases(system.application)[-1]
        app = system.application
        trail = app.history(corrected.case_id)
        correction = next(e for e in trail if e.event == "SponsorPermitGrantCorrected")
        assert correction.reason is not None and "9 November 2026" in correction.reason
        before = trail[[e.version for e in trail].index(correction.version) - 1].recorded_at
        term_now = app.deadline(corrected.case_id).deadline.term
        term_then = app.deadline(corrected.case_id, known_at=before).deadline.term
        assert term_now is not None and term_then is not None
        assert (term_then.ends_on.isoformat(), term_now.ends_on.isoformat()) == (
            "2027-02-16",
            "2027-02-09",
        )
    finally:
        system.close()
