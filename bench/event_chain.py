"""What the tamper-evident chain costs a command: commands/s in process, with and without it.

Each store has two fresh databases side by side: one written by Nareis's recorder (the events'
hashes and the head in the command's transaction) and one by the same recorder with the chain
switched off. A round records COMMANDS documents, one command after another, on a new case of
each, the two back to back (alternating which goes first), so that both see the same load on a
shared machine; reported: the median rate of each, the median of the rounds' ratios, and the time
the chain takes (timed around its reads, hashes and writes, a command's share).
`memory://` has no I/O at all, so it shows the chain's share of a command at its largest; the
SQLite file and the PostgreSQL cluster (durable defaults: fsync, synchronous commit, as
bench/stores.py) show it where a commit waits for the disk.

    .venv/bin/python -m bench.event_chain [--rounds 15] [--commands 100]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from eventsourcing.utils import get_topic

from application.commands import OpenCase, ReceiveDocument, RegisterMember
from application.service import CommandContext, NareisApplication
from bench.stores import DurableCluster
from domain.facts import MemberDetails, Sponsor
from infrastructure.chained_events import Links, attach_chain
from infrastructure.event_stores import (
    NareisPostgresApplicationRecorder,
    NareisSQLiteApplicationRecorder,
)
from infrastructure.persistence import environment_for

CTX = CommandContext("bench")
D = date.fromisoformat


class FixedClock:
    def today(self) -> date:
        return date(2026, 11, 28)


class TimedChain:
    """Adds up the time spent reading, computing and writing the chain."""

    seconds = 0.0

    def _links(self, *args: Any, **kwargs: Any) -> Links:
        started = time.perf_counter()
        try:
            return super()._links(*args, **kwargs)  # type: ignore[misc]
        finally:
            TimedChain.seconds += time.perf_counter() - started

    def _write_links(self, c: Any, links: Links) -> None:
        started = time.perf_counter()
        super()._write_links(c, links)  # type: ignore[misc]
        TimedChain.seconds += time.perf_counter() - started


class Unchained:
    def _ensure_chain_log_once(self) -> None:
        pass

    def _chain_stored_events(self, c: Any, stored_events: Any) -> Links:
        return Links()


class ChainedSQLite(TimedChain, NareisSQLiteApplicationRecorder):
    pass


class ChainedPostgres(TimedChain, NareisPostgresApplicationRecorder):
    pass


class UnchainedSQLite(Unchained, NareisSQLiteApplicationRecorder):
    pass


class UnchainedPostgres(Unchained, NareisPostgresApplicationRecorder):
    pass


RECORDERS = {  # (chained, on PostgreSQL) -> recorder
    (True, False): ChainedSQLite,
    (True, True): ChainedPostgres,
    (False, False): UnchainedSQLite,
    (False, True): UnchainedPostgres,
}


@dataclass
class Variant:
    name: str
    app: NareisApplication
    rates: list[float] = field(default_factory=list)
    chain_ms: list[float] = field(default_factory=list)  # a command's share


def application(database_url: str, chained: bool) -> NareisApplication:
    env = environment_for(database_url)
    on_postgres = "postgres" in env["PERSISTENCE_MODULE"]
    env["APPLICATION_RECORDER_TOPIC"] = get_topic(RECORDERS[chained, on_postgres])
    app = NareisApplication(env, clock=FixedClock())
    if chained:
        attach_chain(app, None)
    return app


def one_round(app: NareisApplication, commands: int, number: int) -> float:
    sponsor = Sponsor(
        str(3_000_000_000 + number),
        "Amal",
        D("1988-03-14"),
        D("2025-06-02"),
        D("2025-05-28"),
        False,
    )
    case_id = app.execute(OpenCase(sponsor), CTX).case_id
    member = MemberDetails(
        "Samir", D("1987-09-01"), "partner", True, True, marital_status="married"
    )
    member_id = app.execute(RegisterMember(case_id, member), CTX).member_id
    assert member_id is not None
    command = ReceiveDocument(case_id, member_id, D("2026-02-27"), "other", False)
    TimedChain.seconds = 0.0
    started = time.perf_counter()
    for _ in range(commands):
        app.execute(command, CTX)
    return commands / (time.perf_counter() - started)


def measure(store: str, urls: tuple[str, str], rounds: int, commands: int) -> list[Variant]:
    variants = [
        Variant(f"{store}, chained", application(urls[0], chained=True)),
        Variant(f"{store}, no chain", application(urls[1], chained=False)),
    ]
    try:
        for number in range(rounds):
            for variant in variants if number % 2 == 0 else variants[::-1]:
                variant.rates.append(one_round(variant.app, commands, number))
                variant.chain_ms.append(TimedChain.seconds / commands * 1000)
    finally:
        for variant in variants:
            variant.app.close()
    return variants


def report(variants: list[Variant]) -> None:
    chained, plain = variants
    for variant in variants:
        rounds = ", ".join(f"{r:.0f}" for r in variant.rates)
        print(f"{variant.name:22} {statistics.median(variant.rates):6.0f}/s   ({rounds})")
    ratio = statistics.median(c / p for c, p in zip(chained.rates, plain.rates, strict=True))
    print(
        f"{'':22} with the chain: {ratio - 1:+.1%} commands/s (median of the rounds' ratios); "
        f"the chain itself: {statistics.median(chained.chain_ms):.2f} ms a command"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--commands", type=int, default=100, help="per variant and round")
    args = parser.parse_args()
    print(
        f"commands/s in process, one after another, {args.commands} a round, "
        f"{args.rounds} rounds, chained and not back to back (each round listed)"
    )
    report(measure("memory://", ("memory://", "memory://"), args.rounds, args.commands))
    with tempfile.TemporaryDirectory(prefix="nareis-bench-") as folder:
        files = (
            f"sqlite:///{Path(folder) / 'chained.db'}",
            f"sqlite:///{Path(folder) / 'plain.db'}",
        )
        report(measure("SQLite file", files, args.rounds, args.commands))
    with DurableCluster() as pg:
        urls = (pg.new_database("chained"), pg.new_database("plain"))
        report(measure("PostgreSQL", urls, args.rounds, args.commands))


if __name__ == "__main__":
    main()
