"""Eligibility of one case with many family members (DOMAIN.md: at most 50 per case).

Builds a case through the aggregate's commands: partners (some granted), children of the sponsor
and of a partner, each with an application, a full file and an assessment; then times
`evaluate_case` on one date. Evaluating a case should cost time linear in its members.

Run: .venv/bin/python -m bench.eligibility_members [--members 10 50] [--repeat 200]
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import date, timedelta

from bench.inprocess import FILE, GRANTED_ON, TODAY
from bench.inprocess import RECEIVED_ON as SUBMITTED_ON
from domain.case import Case
from domain.eligibility import evaluate_case
from domain.facts import CaseFacts, MemberDetails, Sponsor


def _details(index: int, partner_id: str | None) -> MemberDetails:
    if index % 5 == 0:
        return MemberDetails(
            f"Partner {index}", date(1987, 9, 1), "partner", True, True, marital_status="married"
        )
    child_of = "sponsor_and_partner" if partner_id and index % 2 else "sponsor"
    return MemberDetails(
        f"Child {index}",
        date(2010, 5, 1),
        "child",
        True,
        True,
        child_of=child_of,
        child_kind="biological",
        partner_member_id=partner_id if child_of != "sponsor" else None,
    )


def case_with(members: int) -> CaseFacts:
    sponsor = Sponsor(
        "1000000001", "Amal", date(1988, 3, 14), date(2025, 6, 2), date(2025, 5, 28), False
    )
    case = Case.open(sponsor, actor="bench", today=TODAY)
    case.grant_sponsor_permit(GRANTED_ON, "independent", actor="bench", today=TODAY)
    partner_id = None
    for index in range(members):
        member_id = f"m{index}"
        details = _details(index, partner_id)
        case.register_member(member_id, details, actor="bench", today=TODAY)
        case.submit_application(member_id, SUBMITTED_ON, "mvv_abroad", actor="bench", today=TODAY)
        for kind in (*FILE, "custodial_parent_consent"):
            case.receive_document(member_id, SUBMITTED_ON, kind, True, actor="bench", today=TODAY)
        case.record_assessment(
            member_id, SUBMITTED_ON, "family_bond_intact", "met", "", actor="bench", today=TODAY
        )
        if details.relationship == "partner":
            first = partner_id is None
            partner_id = partner_id or member_id
            case.take_decision(
                member_id,
                SUBMITTED_ON + timedelta(days=10 + index),
                "granted" if first else "refused",
                [] if first else ["single_partner"],
                sponsor_holds_dependent_permit=False,
                actor="bench",
                today=TODAY,
            )
    return case.facts()


def median_ms(facts: CaseFacts, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        evaluate_case(facts, date(2026, 6, 1), False)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, nargs="+", default=[10, 50])
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    for members in args.members:
        facts = case_with(members)
        print(f"{members:3d} members: evaluate_case median {median_ms(facts, args.repeat):7.2f} ms")


if __name__ == "__main__":
    main()
