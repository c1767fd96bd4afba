"""Old events stay loadable after their schema changes (the library's class_version/upcast_vN_vM).

The fixture holds the stored events of a case written by the first version of Nareis, when
`DocumentReceived` had no `document_id`.
"""

from __future__ import annotations

import json
from pathlib import Path
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from application.commands import ReceiveDocument
from domain.case import Case
from infrastructure.composition import Nareis
from tests.integration.conftest import CTX, D

FIXTURE = Path(__file__).parent.parent / "fixtures" / "case_with_v1_document_received.json"


def load_v1_case(nareis: Nareis) -> str:
    rows = json.loads(FIXTURE.read_text())["events"]
    nareis.application.recorder.insert_events(
        [
            StoredEvent(
                UUID(r["originator_id"]), r["originator_version"], r["topic"], r["state"].encode()
            )
            for r in rows
        ]
    )
    return rows[0]["originator_id"]


def test_the_fixture_really_holds_an_event_of_the_old_shape():
    document_event = json.loads(FIXTURE.read_text())["events"][2]
    state = json.loads(document_event["state"])
    assert document_event["topic"] == "domain.case:Case.DocumentReceived"
    assert "document_id" not in state and "class_version" not in state
    assert Case.DocumentReceived.class_version == 2


def test_a_stored_v1_document_event_is_read_back_with_the_id_v2_would_have_given_it(
    nareis: Nareis,
):
    case_id = load_v1_case(nareis)
    record = nareis.application.get_case(case_id)
    document = record.facts.members[0].documents[0]
    assert document.document_id == "doc-3"
    assert document.kind == "identity_document" and document.received_on == D("2026-02-27")
    history = nareis.application.history(case_id)
    assert history[2].data["document_id"] == "doc-3"


def test_a_case_with_old_events_goes_on_with_new_ones(nareis: Nareis):
    case_id = load_v1_case(nareis)
    member_id = nareis.application.get_case(case_id).facts.members[0].member_id
    nareis.application.execute(
        ReceiveDocument(case_id, member_id, D("2026-03-01"), "identity_document", False), CTX
    )
    documents = nareis.application.get_case(case_id).facts.members[0].documents
    assert [d.document_id for d in documents] == ["doc-3", "doc-4"]
