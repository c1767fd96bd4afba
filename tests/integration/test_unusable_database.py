"""A database that cannot be used stops `serve` and every tool that opens the store with one line
that names it (password hidden) and exit status 2 (API.md, "Starting it"), not a traceback; and a
SQLite file damaged where start-up never reads is refused too (`PRAGMA quick_check`)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from application.seeding import CaseGenerator
from tests.e2e.support import free_port
from tests.integration.conftest import open_system
from tests.postgres_cluster import PostgresServer, with_database

NAREIS = Path(sys.executable).parent / "nareis"
PAGE = 4096  # SQLite's default page size, which the library keeps


@dataclass(frozen=True)
class Unusable:
    url: str  # what NAREIS_DATABASE_URL says
    shown: str  # how the one line names it


@pytest.fixture(scope="module")
def sound_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite office with enough cases that start-up reads only a small part of the file."""
    path = tmp_path_factory.mktemp("sound") / "office.db"
    system = open_system(f"sqlite:///{path}")
    system.application.save_new_cases(*CaseGenerator(seed=5, today=date(2026, 11, 28)).cases(150))
    system.catch_up()
    system.close()
    with closing(sqlite3.connect(path)) as database:
        database.execute("PRAGMA journal_mode = DELETE")  # everything in the one file
        database.execute("VACUUM")  # no free pages: every page belongs to a table or an index
    return path


def _copy(sound_file: Path, folder: Path) -> Path:
    path = folder / "office.db"
    shutil.copyfile(sound_file, path)
    return path


def _sqlite(path: Path) -> Unusable:
    return Unusable(f"sqlite:///{path}", f"sqlite:///{path}")


def missing_folder(sound_file: Path, folder: Path) -> Unusable:
    return _sqlite(folder / "no-such-folder" / "office.db")


def garbage(sound_file: Path, folder: Path) -> Unusable:
    path = folder / "office.db"
    path.write_bytes(b"This is a letter, not a database.\n" * 500)
    return _sqlite(path)


def truncated(sound_file: Path, folder: Path) -> Unusable:
    path = _copy(sound_file, folder)
    with path.open("r+b") as file:
        file.truncate(path.stat().st_size // 2)
    return _sqlite(path)


def damaged_in_the_middle(sound_file: Path, folder: Path) -> Unusable:
    path = _copy(sound_file, folder)
    pages = path.stat().st_size // PAGE
    with path.open("r+b") as file:
        file.seek(pages // 2 * PAGE)
        file.write(bytes(range(256)) * (PAGE // 256))  # a page of the events, overwritten
    return _sqlite(path)


@contextmanager
def read_only(path: Path) -> Iterator[None]:
    """`path` read-only for this process's user; for root (whom file modes do not stop), made
    immutable with chattr."""
    if os.geteuid() != 0:
        path.chmod(0o444)
        yield
        return
    if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
        pytest.skip("cannot make a file read-only for root here (chattr +i)")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


SQLITE_FAULTS: dict[str, Callable[[Path, Path], Unusable]] = {
    "missing-folder": missing_folder,
    "garbage": garbage,
    "truncated": truncated,
    "damaged-in-the-middle": damaged_in_the_middle,
}


def _postgres(cluster: PostgresServer, fault: str) -> Unusable:
    url = cluster.new_database()
    parts = urlsplit(url)
    if fault == "no-server":
        netloc = f"{parts.username}:{parts.password}@127.0.0.1:{free_port()}"
        url = parts._replace(netloc=netloc).geturl()
    elif fault == "wrong-password":
        url = parts._replace(netloc=parts.netloc.replace(parts.password or "", "n0t-1t")).geturl()
    else:
        url = with_database(url, "no_such_database")
    shown = url.replace(f":{urlsplit(url).password}@", ":***@")
    return Unusable(url, shown)


POSTGRES_FAULTS = ("no-server", "wrong-password", "missing-database")


@pytest.fixture(
    params=[
        *(f"sqlite-{fault}" for fault in (*SQLITE_FAULTS, "read-only")),
        *(f"postgresql-{fault}" for fault in POSTGRES_FAULTS),
    ]
)
def unusable(
    request: pytest.FixtureRequest, sound_file: Path, tmp_path: Path
) -> Iterator[Unusable]:
    store, _, fault = request.param.partition("-")
    if store == "postgresql":
        yield _postgres(request.getfixturevalue("postgres_cluster"), fault)
    elif fault == "read-only":
        path = _copy(sound_file, tmp_path)
        with read_only(path):
            yield _sqlite(path)
    else:
        yield SQLITE_FAULTS[fault](sound_file, tmp_path)


def run(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NAREIS_DATABASE_URL": database_url, "COLUMNS": "200"}
    return subprocess.run(
        [NAREIS, *args], env=env, capture_output=True, text=True, timeout=60, cwd=Path.cwd()
    )


def assert_stopped_with_one_line(result: subprocess.CompletedProcess[str], unusable: Unusable):
    said = (result.stdout + result.stderr).strip()
    assert result.returncode == 2, said[-3000:]
    assert len(said.splitlines()) == 1, said[-3000:]
    assert unusable.shown in said
    password = urlsplit(unusable.url).password
    assert not password or password not in said


def test_serve_on_an_unusable_database_stops_with_one_line_naming_it_and_exit_2(
    unusable: Unusable,
) -> None:
    result = run(unusable.url, "serve", "--port", str(free_port()))
    assert_stopped_with_one_line(result, unusable)


TOOLS = {
    "demo": ["demo"],
    "history": ["history", "00000000-0000-4000-8000-000000000000"],
    "replay": ["replay", "--verify"],
    "report": ["report", "caseload"],
    "rebuild": ["rebuild"],
    "project": ["project", "--once"],
    "seed-load": ["seed-load", "--cases", "1"],
    "serve-workers": ["serve", "--workers", "2", "--port", "0"],
}


@pytest.mark.parametrize("tool", TOOLS)
def test_every_tool_that_opens_the_store_stops_on_an_unusable_one_with_one_line_and_exit_2(
    tool: str, sound_file: Path, tmp_path: Path
) -> None:
    # Every tool opens the store through the composition root, whatever the store: the faults of
    # each store are the serve test's; here, one fault for each tool.
    unusable = damaged_in_the_middle(sound_file, tmp_path)
    assert_stopped_with_one_line(run(unusable.url, *TOOLS[tool]), unusable)


@pytest.mark.parametrize("side", ["--from", "--to"])
def test_migrate_store_stops_on_an_unusable_source_or_target_with_one_line_and_exit_2(
    side: str, sound_file: Path, tmp_path: Path
) -> None:
    unusable = damaged_in_the_middle(sound_file, tmp_path)
    other = f"sqlite:///{tmp_path / 'other.db'}"
    if side == "--to":
        shutil.copyfile(sound_file, tmp_path / "other.db")
    urls = {"--from": other, "--to": other} | {side: unusable.url}
    result = run(other, "migrate-store", "--from", urls["--from"], "--to", urls["--to"])
    assert_stopped_with_one_line(result, unusable)
