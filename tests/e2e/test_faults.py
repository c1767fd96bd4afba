"""Faults of the store, caused for real under a running server: what a client is answered, and that
the store stays consistent (API.md: "a 5xx means the command was not recorded")."""

from __future__ import annotations

from tests.e2e.support import SUBMITTED_ON, Api, Server, assert_command_answer
from tests.stores import events_table, is_sqlite, sql_rows

DOCUMENT = {"received_on": SUBMITTED_ON, "kind": "identity_document", "official": True}
SNAPSHOT_INTERVAL = 50  # application/service.py


def refuse_snapshots(database_url: str) -> None:
    """The store refuses every snapshot from now on: a trigger raises on the insert."""
    table = events_table(database_url, "snapshots_v2")
    if is_sqlite(database_url):
        statements = [
            f"CREATE TRIGGER refuse_snapshots BEFORE INSERT ON {table} "
            "BEGIN SELECT RAISE(ABORT, 'the snapshot store failed'); END"
        ]
    else:
        statements = [
            "CREATE FUNCTION refuse_snapshots() RETURNS trigger LANGUAGE plpgsql AS "
            "'BEGIN RAISE EXCEPTION ''the snapshot store failed''; END'",
            f"CREATE TRIGGER refuse_snapshots BEFORE INSERT ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION refuse_snapshots()",
        ]
    for statement in statements:
        sql_rows(database_url, statement)


def test_a_snapshot_the_store_refuses_after_the_commit_neither_fails_nor_repeats_the_command(
    private_server: Server,
) -> None:
    refuse_snapshots(private_server.database_url)
    api = Api(private_server)
    try:
        case_id, member_id = api.valid_case()  # versions 1-4
        url = f"/cases/{case_id}/members/{member_id}/documents"
        for version in range(5, SNAPSHOT_INTERVAL + 2):
            # No Idempotency-Key: an error here would leave the client only a blind retry.
            assert_command_answer(api.cw.post(url, json=DOCUMENT), version=version)
        assert len(api.history(case_id)) == SNAPSHOT_INTERVAL + 1
        assert api.case(case_id)["version"] == SNAPSHOT_INTERVAL + 1
    finally:
        api.close()
    url = private_server.database_url
    [(snapshots,)] = sql_rows(url, f"SELECT COUNT(*) FROM {events_table(url, 'snapshots_v2')}")
    assert snapshots == 0
    assert "taking a snapshot after a recorded command failed" in private_server.log()
