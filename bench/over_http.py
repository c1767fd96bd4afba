"""Figures over HTTP, a real uvicorn on loopback: `http_append` (8 clients writing, against a bare
FastAPI endpoint doing the bare library's write) and `mixed_writes` (8 writers while 8 readers
ask for reports, against the writers alone)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.harness import Figure, Goal, interleaved, median

TOKEN = "bench-token-0123456789abcdef"
CLIENTS = 8
NAREIS = [str(Path(sys.executable).parent / "nareis")]  # the console script of this venv


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A server process on loopback, started with `command` and `env`, logging into `log`."""

    command: list[str]
    env: dict[str, str]
    log: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [*self.command, "--port", str(self.port)],
                env=self.env, stdout=log, stderr=subprocess.STDOUT,
            )
        self._wait_until_up()
        return self

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"the server stopped at start; see {self.log}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError(f"the server did not start within 120 s; see {self.log}")

    def __exit__(self, *_: object) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)


def nareis_server(database: Path, log: Path) -> Server:
    env = _clean_environment() | {
        "NAREIS_DATABASE_URL": f"sqlite:///{database}",
        "NAREIS_API_TOKENS": f"{TOKEN}=caseworker:bench",
    }
    return Server([*NAREIS, "serve", "--host", "127.0.0.1"], env, log)


def bare_server(database: Path, log: Path) -> Server:
    env = _clean_environment() | {"BENCH_BARE_DATABASE": str(database)}
    command = [sys.executable, "-m", "uvicorn", "bench.bare_http:app", "--no-access-log"]
    return Server([*command, "--host", "127.0.0.1"], env, log)


def _clean_environment() -> dict[str, str]:
    """This process's environment without any Nareis or library setting that would choose
    another database."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("NAREIS_", "BENCH_"))}


def client() -> httpx.Client:
    return httpx.Client(headers={"Authorization": f"Bearer {TOKEN}"}, timeout=120)


# --- what the clients send ----------------------------------------------------------------------

SPONSOR = {
    "name": "Amal",
    "born_on": "1988-03-14",
    "asylum_application_signed_on": "2025-06-02",
    "arrived_on": "2025-05-28",
    "unaccompanied_minor": False,
}
MEMBER = {
    "name": "Samir",
    "born_on": "1987-09-01",
    "relationship": "partner",
    "marital_status": "married",
    "mentioned_in_asylum_procedure": True,
    "family_bond_abroad": True,
}
DOCUMENT = {"received_on": "2026-02-27", "kind": "other", "official": False}


def nareis_writer(url: str, n: int) -> str:
    """A case of a writer's own, and the path its documents go to."""
    with client() as c:
        sponsor = SPONSOR | {"v_number": str(3_000_000_000 + n)}
        case_id = _ok(c.post(f"{url}/cases", json={"sponsor": sponsor}))["case_id"]
        member_id = _ok(c.post(f"{url}/cases/{case_id}/members", json=MEMBER))["member_id"]
    return f"{url}/cases/{case_id}/members/{member_id}/documents"


def bare_writer(url: str, _n: int) -> str:
    with client() as c:
        return f"{url}/streams/{_ok(c.post(f'{url}/streams'))['id']}/documents"


def _ok(answer: httpx.Response) -> dict:
    if answer.status_code >= 300:
        raise RuntimeError(f"{answer.request.url}: {answer.status_code} {answer.text[:300]}")
    return answer.json()


def write(path: str, count: int, latencies: list[float]) -> None:
    with client() as c:
        for _ in range(count):
            started = time.perf_counter()
            _ok(c.post(path, json=DOCUMENT))
            latencies.append(time.perf_counter() - started)


def writes_per_second(paths: list[str], commands: int, latencies: list[float]) -> float:
    started = time.perf_counter()
    with ThreadPoolExecutor(len(paths)) as pool:
        list(pool.map(lambda p: write(p, commands // len(paths), latencies), paths))
    return (commands // len(paths)) * len(paths) / (time.perf_counter() - started)


def p99_ms(latencies: list[float]) -> float:
    ordered = sorted(latencies)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000 if ordered else 0.0


# --- the figures --------------------------------------------------------------------------------


def http_append(folder: Path, rounds: int, commands: int) -> Figure:
    log = folder / "http.log"
    with nareis_server(folder / "http.db", log) as ours, bare_server(folder / "bare.db", log) as bare:
        ours_paths = [nareis_writer(ours.url, n) for n in range(CLIENTS)]
        bare_paths = [bare_writer(bare.url, n) for n in range(CLIENTS)]
        ours_latencies: list[float] = []
        bare_latencies: list[float] = []
        samples = interleaved(rounds, {
            "nareis": lambda: writes_per_second(ours_paths, commands, ours_latencies),
            "bare": lambda: writes_per_second(bare_paths, commands, bare_latencies),
        })
    figure = Figure("http_append", median(samples["nareis"]), "req/s", median(samples["bare"]),
                    "bare FastAPI endpoint + bare library write", Goal("ratio", ">=", 0.8),
                    {"clients": CLIENTS, "commands_a_round": commands},
                    samples=samples["nareis"])
    figure.also = {"p99_ms": p99_ms(ours_latencies), "floor_p99_ms": p99_ms(bare_latencies)}
    return figure


def mixed_writes(database: Path, folder: Path, rounds: int, commands: int, cases: int) -> Figure:
    """8 writers, alone and while 8 readers ask for the deadline report and the caseload over
    `cases` cases, taking turns round by round."""
    with nareis_server(database, folder / "mixed.log") as server:
        paths = [nareis_writer(server.url, 500_000 + n) for n in range(CLIENTS)]
        reads: list[float] = []
        samples = interleaved(rounds, {
            "alone": lambda: writes_per_second(paths, commands, []),
            "mixed": lambda: _with_readers(server.url, reads,
                                           lambda: writes_per_second(paths, commands, [])),
        })
    figure = Figure("mixed_writes", median(samples["mixed"]), "writes/s", median(samples["alone"]),
                    "the same writers alone", Goal("ratio", ">=", 0.7),
                    {"writers": CLIENTS, "readers": CLIENTS, "cases": cases,
                     "commands_a_round": commands}, samples=samples["mixed"])
    figure.also = {"reads_per_second": median(reads)}
    return figure


REPORTS = ("/reports/deadlines", "/reports/caseload")


def _with_readers(url: str, reads: list[float], writing: Callable[[], float]) -> float:
    stop = threading.Event()
    counts = [0] * CLIENTS

    def read(n: int) -> None:
        with client() as c:
            while not stop.is_set():
                _ok(c.get(url + REPORTS[(n + counts[n]) % len(REPORTS)]))
                counts[n] += 1

    started = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        readers = [pool.submit(read, n) for n in range(CLIENTS)]
        try:
            answer = writing()
        finally:
            stop.set()
        for reader in readers:
            reader.result()
    reads.append(sum(counts) / (time.perf_counter() - started))
    return answer
