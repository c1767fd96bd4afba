"""`/reports/deadlines` over HTTP on seeded databases of different sizes, next to the naive
baseline (read every case's events for the request) run in the same process.

Seed first, e.g.:
  NAREIS_DATABASE_URL=sqlite:///bench10k.db  nareis seed-load --cases 10000  --seed 1 --today 2026-11-28
  NAREIS_DATABASE_URL=sqlite:///bench100k.db nareis seed-load --cases 100000 --seed 1 --today 2026-11-28
Then: .venv/bin/python -m bench.reports bench10k.db bench100k.db [--baseline-cases 10000]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path

import httpx

from application.projections import CaseListFilter
from domain.deadline import case_deadline
from infrastructure.composition import build
from infrastructure.settings import Settings

AS_OF_DATES = ("2024-06-01", "2025-03-01", "2025-11-30", "2026-03-02", "2026-06-01", "2026-11-28")
TOKEN = "bench-token-0123456789"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "NAREIS_DATABASE_URL": f"sqlite:///{db}",
        "NAREIS_API_TOKENS": f"{TOKEN}=auditor:bench",
    }
    nareis = Path(sys.executable).parent / "nareis"
    server = subprocess.Popen(
        [nareis, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the server did not start within 120 s")


KINDS = {
    "page 1 of 100, as known now": {},
    "page 1 of 100, known_at": {"known_at": "2030-01-01T00:00:00Z"},
    "page 50 of 1,000": {"page": 50, "page_size": 1000},
}


def time_reports(port: int, repeat: int) -> tuple[dict[str, list[float]], dict]:
    client = httpx.Client(
        base_url=f"http://127.0.0.1:{port}",
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=60,
    )
    samples: dict[str, list[float]] = {kind: [] for kind in KINDS}
    last: dict = {}
    for as_of in AS_OF_DATES:
        for kind, params in KINDS.items():
            for _ in range(repeat):
                started = time.perf_counter()
                response = client.get("/reports/deadlines", params={"as_of": as_of, **params})
                samples[kind].append((time.perf_counter() - started) * 1000)
                response.raise_for_status()
                last = response.json()
    client.close()
    return samples, last


def naive_counts(db: Path, as_of: date, limit: int) -> tuple[float, int, Counter]:
    """The approach that does not scale: load every case from its events for one request."""
    nareis = build(Settings(database_url=f"sqlite:///{db}"))
    app = nareis.application
    started = time.perf_counter()
    counts: Counter = Counter()
    page, seen = 1, 0
    while page is not None and seen < limit:
        listing = nareis.read_model.view.list_cases(as_of, None, CaseListFilter(), page, 1000)
        for case in listing.cases[: limit - seen]:
            facts = app.repository.get(app._case_uuid(case.case_id)).facts()
            counts[case_deadline(facts, as_of).status] += 1
        seen += len(listing.cases)
        page = listing.next_page
    elapsed = time.perf_counter() - started
    nareis.close()
    return elapsed, min(seen, limit), counts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("databases", nargs="+", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--baseline-cases", type=int, default=10_000)
    args = parser.parse_args()
    results = []
    for db in args.databases:
        port = free_port()
        server = start_server(db, port)
        try:
            samples, last = time_reports(port, args.repeat)
        finally:
            server.terminate()
            server.wait(timeout=30)
        cases = sum(last["counts"].values())
        naive_seconds, naive_cases, _ = naive_counts(db, date(2026, 6, 1), args.baseline_cases)
        naive_ms_all = naive_seconds * 1000 * cases / naive_cases
        every = [sample for kind in samples.values() for sample in kind]
        results.append(
            (db.name, cases, statistics.median(every), max(every), naive_ms_all, naive_cases)
        )
        for kind, kind_samples in samples.items():
            print(
                f"{db.name}: {kind:30} median {statistics.median(kind_samples):7.1f} ms, "
                f"max {max(kind_samples):7.1f} ms"
            )
    print(
        f"{'database':18} {'cases':>9} {'median ms':>10} {'max ms':>8} "
        f"{'naive ms':>10} {'naive/ours':>11}"
    )
    for name, cases, median, worst, naive_ms, naive_cases in results:
        note = "" if naive_cases == cases else f"  (naive measured on {naive_cases:,}, scaled)"
        print(
            f"{name:18} {cases:9,} {median:10.1f} {worst:8.1f} {naive_ms:10.0f} "
            f"{naive_ms / median:10.0f}x{note}"
        )
    if len(results) > 1:
        (_, small, small_ms, *_), (_, large, large_ms, *_) = results[0], results[-1]
        print(f"{large / small:.0f}x the cases -> {large_ms / small_ms:.1f}x the median time")


if __name__ == "__main__":
    main()
