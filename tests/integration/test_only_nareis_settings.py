"""Only the README's `NAREIS_*` settings configure Nareis (API.md, "Starting it"): the library's own
environment variables, with or without the application's `NAREIS_` prefix, change nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from application.commands import OpenCase
from tests.integration.conftest import CTX, a_sponsor, events_table, open_system, sql_rows

# What each variable would do if the library read it from the process's environment.
LIBRARY_VARIABLES = {
    "SQLITE_DBNAME": "{decoy}",  # another SQLite file
    "PERSISTENCE_MODULE": "eventsourcing.popo",  # events kept in memory only, lost on exit
    "POSTGRES_DBNAME": "elsewhere",
    "POSTGRES_HOST": "192.0.2.1",  # TEST-NET-1: nothing answers there
    "POSTGRES_PORT": "1",
    "POSTGRES_USER": "mallory",
    "POSTGRES_PASSWORD": "not-the-password",
    "POSTGRES_SCHEMA": "elsewhere",
    "CREATE_TABLE": "n",  # tables never created
    "IS_SNAPSHOTTING_ENABLED": "n",
    "COMPRESSOR_TOPIC": "no_such_module:Compressor",
    "CIPHER_TOPIC": "no_such_module:Cipher",
    "APPLICATION_RECORDER_TOPIC": "no_such_module:Recorder",
}
VARIABLES = [name for variable in LIBRARY_VARIABLES for name in (variable, f"NAREIS_{variable}")]


@pytest.mark.parametrize("variable", VARIABLES)
def test_a_variable_of_the_library_in_the_environment_changes_nothing(
    database_url: str, variable: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    decoy = tmp_path / "decoy" / "elsewhere.db"
    decoy.parent.mkdir()
    value = LIBRARY_VARIABLES[variable.removeprefix("NAREIS_")].format(decoy=decoy)
    monkeypatch.setenv(variable, value)
    system = open_system(database_url)
    try:
        case_id = system.application.execute(OpenCase(a_sponsor()), CTX).case_id
        assert system.application.get_case(case_id).version == 1
    finally:
        system.close()
    stored = sql_rows(database_url, f"SELECT COUNT(*) FROM {events_table(database_url)}")
    assert stored[0][0] >= 1, "the case was not stored in NAREIS_DATABASE_URL's database"
    assert list(decoy.parent.iterdir()) == []
