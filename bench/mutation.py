"""Mutation testing of `domain/` with mutmut, and the score per file (README, "Tests").

  .venv/bin/python -m bench.mutation              # a fresh run (about 10 minutes), then the scores
  .venv/bin/python -m bench.mutation --no-run     # the scores of the last run in mutants/
  .venv/bin/python -m bench.mutation --show       # ... and the diff of every surviving mutant

mutmut is configured in pyproject.toml ([tool.mutmut]: it mutates domain/ and runs tests/unit
against each mutant). It runs with one worker at low priority (`nice -n 10 mutmut run
--max-children 1`) on a fresh mutants/ directory, because mutmut keeps an earlier verdict even
when a new test would now kill the mutant. Not a test and not part of CI: it is slow.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from mutmut.stats import status_by_exit_code

ROOT = Path(__file__).resolve().parent.parent
MUTANTS = ROOT / "mutants"
# The files the 95% goal of issue 7 is about; every other file of domain/ is shown for information.
FOCUS = ("domain/rules.py", "domain/term.py", "domain/calendar.py")
# A mutant counts as killed when the tests noticed it: they failed, or ran out of time.
KILLED = {"killed", "timeout", "segfault", "caught by type check"}


def run_mutmut() -> float:
    mutmut = Path(sys.executable).with_name("mutmut")
    shutil.rmtree(MUTANTS, ignore_errors=True)
    started = time.monotonic()
    subprocess.run(
        ["nice", "-n", "10", str(mutmut), "run", "--max-children", "1"], cwd=ROOT, check=True
    )
    return time.monotonic() - started


def statuses_by_file() -> dict[str, dict[str, str]]:
    """{"domain/term.py": {mutant name: status}} from the meta files mutmut writes per file."""
    result = {}
    for meta in sorted((MUTANTS / "domain").rglob("*.py.meta")):
        source = meta.relative_to(MUTANTS).as_posix().removesuffix(".meta")
        codes = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
        if codes:
            result[source] = {name: status_by_exit_code[code] for name, code in codes.items()}
    return result


def score_line(label: str, statuses: dict[str, str]) -> str:
    killed = sum(status in KILLED for status in statuses.values())
    total = len(statuses)
    others = Counter(s for s in statuses.values() if s not in KILLED)
    rest = ", ".join(f"{n} {s}" for s, n in sorted(others.items()))
    return f"{label:<24} {killed:>5} / {total:<5} {100 * killed / total:6.1f}%   {rest}"


def report(show: bool) -> list[float]:
    by_file = statuses_by_file()
    if not by_file:
        sys.exit("No mutation results in mutants/: run without --no-run first.")
    print(f"{'file':<24} {'killed / total':>13} {'score':>7}   not killed")
    for source, statuses in by_file.items():
        print(score_line(source, statuses))
    everything = {name: s for statuses in by_file.values() for name, s in statuses.items()}
    print(score_line("domain/ (all files)", everything))
    for source in FOCUS:
        alive = sorted(n for n, s in by_file.get(source, {}).items() if s not in KILLED)
        print(f"\nNot killed in {source}: {len(alive)}")
        for name in alive:
            print(f"  {name}  ({by_file[source][name]})")
            if show:
                mutmut = Path(sys.executable).with_name("mutmut")
                subprocess.run([str(mutmut), "show", name], cwd=ROOT, check=False)
    return [
        100 * sum(s in KILLED for s in by_file[f].values()) / len(by_file[f])
        for f in FOCUS
        if f in by_file
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-run", action="store_true", help="report the last run only")
    parser.add_argument("--show", action="store_true", help="print each survivor's diff")
    parser.add_argument(
        "--fail-under", type=float, help="exit 1 if rules, term or calendar scores lower"
    )
    args = parser.parse_args()
    if not args.no_run:
        elapsed = run_mutmut()
        print(f"\nmutmut ran for {elapsed / 60:.1f} minutes\n")
    scores = report(args.show)
    if args.fail_under is not None and min(scores) < args.fail_under:
        sys.exit(1)


if __name__ == "__main__":
    main()
