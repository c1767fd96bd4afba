"""A server with `NAREIS_ENCRYPTION_KEY` keeps no name or V-number readable in its database, and a
server without one says loudly, when it starts, that personal data is stored unencrypted."""

from __future__ import annotations

from tests.e2e.support import Api, Server, partner_body
from tests.stores import everything_stored, found_in

SPONSOR_NAME, SPONSOR_V = "Yusuf Abdirahman-Warsame", "6172839405"
MEMBER_NAME, MEMBER_V = "Hodan Abdirahman-Warsame", "6172839406"


def test_a_server_with_a_key_serves_names_it_keeps_nowhere_readable(encrypted_server: Server):
    api = Api(encrypted_server)
    case_id = api.open_case(name=SPONSOR_NAME, v_number=SPONSOR_V)
    api.grant(case_id)
    member_id = api.register(case_id, partner_body(name=MEMBER_NAME, v_number=MEMBER_V))
    api.apply(case_id, member_id)
    encrypted_server.wait_until_projected()
    case = api.case(case_id)
    assert case["sponsor"]["name"] == SPONSOR_NAME
    assert api.member(case_id, member_id)["name"] == MEMBER_NAME
    listed = api.cw.get("/cases", params={"page_size": 1000}).json()["cases"]
    assert SPONSOR_NAME in [c["sponsor_name"] for c in listed]
    api.close()
    stored = everything_stored(encrypted_server.database_url)
    for secret in (SPONSOR_NAME, SPONSOR_V, MEMBER_NAME, MEMBER_V):
        assert not found_in(stored, secret), secret


def test_only_a_server_without_a_key_warns_at_start_that_personal_data_is_unencrypted(
    server: Server, encrypted_server: Server
):
    assert "personal data is stored UNENCRYPTED" in server.log(0, limit=None)
    assert "UNENCRYPTED" not in encrypted_server.logs_of_every_start()
