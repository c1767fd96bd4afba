"""Evaluating a whole case costs work linear in its members (at most 50, DOMAIN.md).

Work is counted, never timed: the calls of `MemberFacts.as_of`, and every line of domain code
executed (a tracer), for a case of 10 and of 50 members of the same mix. Linear work grows at most
5-fold from 10 to 50 members; the quadratic work it replaced grew about 25-fold.
"""

from __future__ import annotations

import sys
from collections import Counter
from datetime import date
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

import domain
from domain.eligibility import evaluate_case
from domain.facts import CaseFacts, MemberFacts
from tests.unit.builders import application, case, decision, doc, member

D = date(2026, 3, 10)
DOMAIN_DIR = str(Path(domain.__file__).parent)


def family(size: int) -> CaseFacts:
    """`size` members: every fifth a partner (the first granted, the others refused), the others
    children of the first partner or of the sponsor, each with an application and documents."""
    members = []
    for number in range(size):
        facts: dict[str, Any] = {
            "application": application(date(2026, 2, 1)),
            "documents": [doc("identity_document", date(2026, 2, 1))],
        }
        if number % 5 == 0:
            outcome = "granted" if number == 0 else "refused"
            facts["decision"] = decision(outcome, date(2026, 3, 1))
            members.append(member(f"m{number}", "partner", **facts))
        elif number % 2:
            members.append(
                member(f"m{number}", "child", child_of="partner", partner_member_id="m0", **facts)
            )
        else:
            members.append(member(f"m{number}", "child", **facts))
    return case(*members)


def work(facts: CaseFacts, monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    counted: Counter[str] = Counter()
    as_of = MemberFacts.as_of

    def counting_as_of(self: MemberFacts, day: date) -> MemberFacts:
        counted["MemberFacts.as_of"] += 1
        return as_of(self, day)

    def tracer(frame: FrameType, event: str, arg: object) -> Any:
        if not frame.f_code.co_filename.startswith(DOMAIN_DIR):
            return None
        if event == "line":
            counted["domain lines"] += 1
        return tracer

    with monkeypatch.context() as patch:
        patch.setattr(MemberFacts, "as_of", counting_as_of)
        sys.settrace(tracer)
        try:
            answers = evaluate_case(facts, D, sponsor_holds_dependent_permit=False)
        finally:
            sys.settrace(None)
    assert len(answers) == len(facts.members)
    return counted


def test_a_case_is_evaluated_with_each_members_facts_taken_as_of_the_date_once(monkeypatch):
    assert work(family(10), monkeypatch)["MemberFacts.as_of"] == 10
    assert work(family(50), monkeypatch)["MemberFacts.as_of"] == 50


def test_evaluating_a_case_of_50_members_is_at_most_5_times_the_work_of_10(monkeypatch):
    small, large = work(family(10), monkeypatch), work(family(50), monkeypatch)
    assert large["domain lines"] <= 5 * small["domain lines"], (small, large)
