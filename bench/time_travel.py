"""Time-travel queries on one case with 1,000 events, against the bare library in the same process.

Nareis answers `known_at` by a binary search over versions (recorded_at never decreases in a case)
and loads that version from the nearest snapshot. The baseline is what the bare eventsourcing
library offers without those: read and replay every event of the case up to the instant.

Run: .venv/bin/python -m bench.time_travel [--events 1000] [--repeat 30]
"""

from __future__ import annotations

import argparse
import tempfile
from datetime import date, datetime
from pathlib import Path

from eventsourcing.application import project_aggregate

from application.commands import GrantSponsorPermit, OpenCase, ReceiveDocument, RegisterMember
from application.service import CommandContext
from bench.harness import milliseconds
from domain.facts import MemberDetails, Sponsor
from infrastructure.composition import build
from infrastructure.settings import Settings

CTX = CommandContext("bench")


class FixedClock:
    def today(self) -> date:
        return date(2026, 11, 28)


def build_case(db: Path, events: int):
    nareis = build(Settings(database_url=f"sqlite:///{db}"), clock=FixedClock())
    app = nareis.application
    sponsor = Sponsor(
        "1000000001", "Amal", date(1988, 3, 14), date(2025, 6, 2), date(2025, 5, 28), False
    )
    case_id = app.execute(OpenCase(sponsor), CTX).case_id
    app.execute(GrantSponsorPermit(case_id, date(2025, 11, 30), "independent"), CTX)
    member = MemberDetails(
        "Samir", date(1987, 9, 1), "partner", True, True, marital_status="married"
    )
    member_id = app.execute(RegisterMember(case_id, member), CTX).member_id
    instants: list[datetime] = []
    while app.get_case(case_id).version < events:
        app.execute(ReceiveDocument(case_id, member_id, date(2026, 2, 27), "other", False), CTX)
        instants.append(datetime.now().astimezone())
    return nareis, case_id, instants


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        nareis, case_id, instants = build_case(Path(folder) / "bench.db", args.events)
        app = nareis.application
        case_uuid = app._case_uuid(case_id)
        print(f"one case, {args.events} events, SQLite file; median of {args.repeat} runs")
        print(f"{'query':52} {'nareis ms':>10} {'bare lib ms':>12} {'ratio':>7}")
        for label, fraction in (
            ("known_at early (10%)", 0.1),
            ("known_at middle (50%)", 0.5),
            ("known_at late (99%)", 0.99),
        ):
            known_at = instants[int(len(instants) * fraction)]
            version = app.get_case(case_id, known_at=known_at).version

            def nareis_query(known_at=known_at) -> object:
                return app.eligibility(case_id, date(2026, 6, 1), known_at)

            def bare_replay(known_at=known_at) -> object:
                # The bare library: read every event, keep those recorded by then, replay them.
                known = [e for e in app.events.get(case_uuid) if e.timestamp <= known_at]
                return project_aggregate(None, known)

            ours, bare = milliseconds(nareis_query, args.repeat), milliseconds(bare_replay, args.repeat)
            print(
                f"{label + f' -> v{version}, eligibility':52} {ours:10.2f} {bare:12.2f} "
                f"{bare / ours:6.1f}x"
            )
        current = milliseconds(lambda: app.eligibility(case_id, date(2026, 6, 1)), args.repeat)
        bare_now = milliseconds(lambda: project_aggregate(None, app.events.get(case_uuid)), args.repeat)
        print(
            f"{'now (cached, snapshots), eligibility':52} {current:10.2f} {bare_now:12.2f} "
            f"{bare_now / current:6.1f}x"
        )
        nareis.close()


if __name__ == "__main__":
    main()
