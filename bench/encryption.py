"""What encryption at rest costs per command, in process, on each store.

Three systems on each store take turns: one with `NAREIS_ENCRYPTION_KEY`, one without (which still
seals each case's personal fields under the case's key, for erasure), and one as Nareis was before
either (the library's plain mapper: no sealing, no cipher). Each round
records CASES cases (13 commands each: open, grant, register, apply, five documents, two
assessments, decision, permit) through `execute`, then projects them, then reads every history
from the log (no cache). The median round per configuration is reported, per command, per
projected event and per history read.

    .venv/bin/python -m bench.encryption [--rounds 7] [--cases 40] [--no-postgres]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from uuid import UUID

from eventsourcing.persistence import Mapper

from application.commands import (
    GrantSponsorPermit,
    IssuePermit,
    OpenCase,
    ReceiveDocument,
    RecordAssessment,
    RegisterMember,
    SubmitApplication,
    TakeDecision,
)
from application.service import CommandContext, NareisApplication
from domain.facts import MemberDetails, Sponsor
from infrastructure.composition import Nareis, build
from infrastructure.settings import Settings
from tests.integration.conftest import FULL_FILE, D, FixedClock

CONTEXT = CommandContext("bench")
COMMANDS_PER_CASE = 13


@dataclass
class Configuration:
    name: str
    nareis: Nareis
    per_command: list[float] = field(default_factory=list)
    cpu_per_command: list[float] = field(default_factory=list)
    per_event: list[float] = field(default_factory=list)
    per_history: list[float] = field(default_factory=list)
    cpu_per_history: list[float] = field(default_factory=list)
    cases: list[str] = field(default_factory=list)


def record_case(app: NareisApplication, n: int) -> str:
    sponsor = Sponsor(
        f"{n:010d}", f"Sponsor {n}", D("1988-03-14"), D("2025-06-02"), D("2025-05-28"), False
    )
    case_id = app.execute(OpenCase(sponsor), CONTEXT).case_id
    app.execute(GrantSponsorPermit(case_id, D("2025-11-30"), "independent"), CONTEXT)
    partner = MemberDetails(
        f"Partner {n}",
        D("1987-09-01"),
        "partner",
        True,
        True,
        v_number=f"9{n:09d}",
        marital_status="married",
    )
    member_id = app.execute(RegisterMember(case_id, partner), CONTEXT).member_id
    assert member_id is not None
    app.execute(SubmitApplication(case_id, member_id, D("2026-02-27"), "mvv_abroad"), CONTEXT)
    for kind in FULL_FILE:
        app.execute(ReceiveDocument(case_id, member_id, D("2026-02-27"), kind, True), CONTEXT)
    for criterion in ("identity_established", "family_ties_established"):
        app.execute(
            RecordAssessment(
                case_id, member_id, D("2026-02-28"), criterion, "met", "seen at the embassy"
            ),
            CONTEXT,
        )
    app.execute(TakeDecision(case_id, member_id, D("2026-03-10"), "granted", ()), CONTEXT)
    app.execute(IssuePermit(case_id, member_id, D("2026-03-12"), D("2026-03-10")), CONTEXT)
    return case_id


def timed(action: Callable[[], int]) -> tuple[float, int]:
    started = time.perf_counter()
    count = action()
    return time.perf_counter() - started, count


def cpu_timed(action: Callable[[], int]) -> tuple[float, float, int]:
    """Wall time, this process's CPU time (what encryption costs, whatever else the machine
    runs), and what `action` counted."""
    cpu = time.process_time()
    seconds, count = timed(action)
    return seconds, time.process_time() - cpu, count


def one_round(config: Configuration, cases: int, first: int) -> None:
    app = config.nareis.application

    def commands() -> int:
        config.cases.extend(record_case(app, first + i) for i in range(cases))
        return cases * COMMANDS_PER_CASE

    seconds, cpu, count = cpu_timed(commands)
    config.per_command.append(seconds / count)
    config.cpu_per_command.append(cpu / count)
    seconds, count = timed(config.nareis.catch_up)
    config.per_event.append(seconds / max(count, 1))
    recent = config.cases[-cases:]
    seconds, cpu, _ = cpu_timed(lambda: sum(len(list(app.events.get(UUID(c)))) for c in recent))
    config.per_history.append(seconds / cases)
    config.cpu_per_history.append(cpu / cases)


def configurations(folder: Path, postgres_url: Callable[[], str] | None) -> list[Configuration]:
    key = os.urandom(32)
    urls = {"sqlite": lambda name: f"sqlite:///{folder / name}.db"}
    if postgres_url is not None:
        urls["postgresql"] = lambda _name: postgres_url()
    found = []
    for store, url_for in urls.items():
        for label, encryption_key in (("before", None), ("no key", None), ("key", key)):
            url = url_for(f"{store}-{label.replace(' ', '-')}")
            nareis = build(
                Settings(database_url=url, encryption_key=encryption_key), clock=FixedClock()
            )
            if label == "before":
                nareis.application.use_mapper(Mapper(nareis.application.mapper.transcoder))
            found.append(Configuration(f"{store}, {label}", nareis))
    return found


def report(configs: list[Configuration]) -> None:
    print(
        f"{'configuration':22} {'ms/command':>11} {'CPU ms/command':>15} "
        f"{'ms/projected event':>19} {'ms/history read':>16} {'CPU ms/history read':>20}"
    )
    for config in configs:
        print(
            f"{config.name:22} {statistics.median(config.per_command) * 1000:11.3f} "
            f"{statistics.median(config.cpu_per_command) * 1000:15.3f} "
            f"{statistics.median(config.per_event) * 1000:19.3f} "
            f"{statistics.median(config.per_history) * 1000:16.3f} "
            f"{statistics.median(config.cpu_per_history) * 1000:20.3f}"
        )
    by_name = {c.name: c for c in configs}
    for store in ("sqlite", "postgresql"):
        if f"{store}, key" not in by_name:
            continue
        before = by_name[f"{store}, before"]
        for label in ("no key", "key"):
            config = by_name[f"{store}, {label}"]
            wall = statistics.median(config.per_command) / statistics.median(before.per_command)
            cpu = statistics.median(config.cpu_per_command) - statistics.median(
                before.cpu_per_command
            )
            print(
                f"{store}, {label}: a command {wall:.2f}x the wall time before, CPU {cpu * 1000:+.3f} ms"
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--cases", type=int, default=40)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        cluster = None
        if not args.no_postgres:
            from tests.postgres_cluster import ThrowawayCluster

            cluster = ThrowawayCluster()
            cluster.start()
        configs = configurations(Path(folder), cluster.new_database if cluster else None)
        try:
            for round_number in range(args.rounds):
                for config in configs:  # interleaved: each round runs every configuration
                    one_round(config, args.cases, round_number * args.cases)
            report(configs)
        finally:
            for config in configs:
                config.nareis.close()
            if cluster is not None:
                cluster.stop()


if __name__ == "__main__":
    main()
