"""Commands per second over HTTP on each store, side by side in one run.

Each configuration is a `nareis serve --workers N` on a fresh database: SQLite (the embedded
default) with 1 process, PostgreSQL with 1 and with 4 API processes. CLIENTS threads each write
documents to a case of their own (no conflicts: this measures throughput, not races), over
keep-alive connections, for COMMANDS per round; the configurations take turns for ROUNDS rounds
and the median round is reported. The PostgreSQL server is a cluster of this run's own, started
with the server's durable defaults (fsync, synchronous commit), in the same temporary folder
kind as SQLite's file, so both stores pay for durability alike.

    .venv/bin/python -m bench.stores [--rounds 3] [--commands 800]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from bench.over_http import CLIENTS, TOKEN, Server, nareis_writer, writes_per_second
from tests.postgres_cluster import ThrowawayCluster

NAREIS = Path(sys.executable).parent / "nareis"


class DurableCluster(ThrowawayCluster):
    """A throwaway cluster that keeps PostgreSQL's durable defaults, to compare with SQLite."""

    def _server_options(self, port: int) -> str:
        options = super()._server_options(port)
        for fast in ("-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"):
            options = options.replace(fast, "")
        return options


@dataclass
class Configuration:
    name: str
    database_url: str
    workers: int
    folder: Path
    rates: list[float] = field(default_factory=list)
    server: Server | None = None

    def start(self) -> None:
        env = {
            **os.environ,
            "NAREIS_DATABASE_URL": self.database_url,
            "NAREIS_API_TOKENS": f"{TOKEN}=caseworker:bench",
        }
        log = self.folder / f"{self.name.replace(' ', '-')}.log"
        command = [str(NAREIS), "serve", "--workers", str(self.workers)]
        self.server = Server(command, env, log).__enter__()

    @property
    def base_url(self) -> str:
        assert self.server is not None, "start() first"
        return self.server.url

    def stop(self) -> None:
        if self.server is not None:
            self.server.__exit__()


def one_round(configuration: Configuration, commands: int, round_number: int) -> float:
    paths = [nareis_writer(configuration.base_url, round_number * 100 + n) for n in range(CLIENTS)]
    return writes_per_second(paths, commands, [])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--commands", type=int, default=800, help="per configuration and round")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="nareis-bench-") as folder, DurableCluster() as pg:
        here = Path(folder)
        configurations = [
            Configuration("SQLite, 1 API process", f"sqlite:///{here / 'bench.db'}", 1, here),
            Configuration("PostgreSQL, 1 API process", pg.new_database("bench1"), 1, here),
            Configuration("PostgreSQL, 4 API processes", pg.new_database("bench4"), 4, here),
        ]
        for configuration in configurations:
            configuration.start()
        try:
            for round_number in range(args.rounds):
                for configuration in configurations:  # interleaved: each round, each in turn
                    rate = one_round(configuration, args.commands, round_number)
                    configuration.rates.append(rate)
        finally:
            for configuration in configurations:
                configuration.stop()
    print(
        f"HTTP commands/s, {CLIENTS} clients, {args.commands} commands a round, "
        f"median of {args.rounds} interleaved rounds (each round listed)"
    )
    for configuration in configurations:
        rounds = ", ".join(f"{r:.0f}" for r in configuration.rates)
        print(f"{configuration.name:30} {statistics.median(configuration.rates):8.0f}   ({rounds})")


if __name__ == "__main__":
    main()
