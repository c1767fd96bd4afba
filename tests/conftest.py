"""Fixtures every suite may use. The PostgreSQL server starts only when a test asks for it, so a
run of the unit tests alone never starts one."""

from __future__ import annotations

import os
from collections.abc import Iterator

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
