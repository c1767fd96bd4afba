"""Fixtures every suite may use. The PostgreSQL server starts only when a test asks for it, so a
run of the unit tests alone never starts one."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest

from tests.postgres_cluster import PostgresServer, ThrowawayCluster

EXISTING_SERVER_VARIABLE = "NAREIS_TEST_POSTGRESQL_URL"


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresServer]:
    """A throwaway cluster for the whole session; or, when NAREIS_TEST_POSTGRESQL_URL gives the
    admin URL of a server already running, that server, and nothing is started."""
    existing_admin_url = os.environ.get(EXISTING_SERVER_VARIABLE, "").strip()
    if existing_admin_url:
        yield PostgresServer(existing_admin_url)
        return
    cluster = ThrowawayCluster().start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def postgresql_url(postgres_cluster: PostgresServer) -> Iterator[str]:
    """The URL of a fresh, empty database of its own, dropped after the test."""
    url = postgres_cluster.new_database()
    yield url
    postgres_cluster.drop_database(url)


# --- figures a test reports (commands acknowledged, requests fuzzed, ...) -------------------------

FIGURES = pytest.StashKey[list[str]]()


@pytest.fixture
def report_figures(
    request: pytest.FixtureRequest,
    record_property: Callable[[str, object], None],
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[..., None]:
    """`report_figures(commands_acknowledged=..., lost=...)`: figures of the test, to quote. They
    show in a "figures" section at the end of pytest's output (with or without `-s`), as
    properties of the test in a JUnit report, and as a line of figures.txt in the session's
    base temporary folder."""

    def report(**figures: object) -> None:
        named = ", ".join(f"{name.replace('_', ' ')} {value}" for name, value in figures.items())
        line = f"{request.node.nodeid}: {named}"
        for name, value in figures.items():
            record_property(name, value)
        request.config.stash.setdefault(FIGURES, []).append(line)
        with (tmp_path_factory.getbasetemp() / "figures.txt").open("a") as kept:
            kept.write(line + "\n")

    return report


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    lines = config.stash.get(FIGURES, [])
    if lines:
        terminalreporter.section("figures")
        for line in lines:
            terminalreporter.write_line(line)
