"""The case page's command forms: each records the command the API would, once per idempotency
key; a refusal is shown next to its form in words with the values as typed; only a caseworker's
form, sent from their session, records anything."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from application.commands import (
    GrantSponsorPermit,
    OpenCase,
    ReceiveDocument,
    RegisterMember,
    SubmitApplication,
)
from application.service import CommandContext
from infrastructure.composition import Nareis
from tests.integration.conftest import FULL_FILE, a_partner, a_sponsor

CTX = CommandContext("alice")
D = date.fromisoformat


def _open_case(system: Nareis) -> str:
    app = system.application
    case_id = app.execute(OpenCase(a_sponsor()), CTX).case_id
    app.execute(GrantSponsorPermit(case_id, D("2025-11-30"), "independent"), CTX)
    return case_id


def _with_partner(system: Nareis) -> tuple[str, str]:
    case_id = _open_case(system)
    member_id = system.application.execute(RegisterMember(case_id, a_partner()), CTX).member_id
    assert member_id is not None
    return case_id, member_id


def _applied_with_full_file(system: Nareis) -> tuple[str, str]:
    case_id, member_id = _with_partner(system)
    app = system.application
    app.execute(SubmitApplication(case_id, member_id, D("2026-02-27"), "mvv_abroad"), CTX)
    for kind in FULL_FILE:
        app.execute(ReceiveDocument(case_id, member_id, D("2026-02-27"), kind, True), CTX)
    return case_id, member_id


def _version(system: Nareis, case_id: str) -> int:
    return system.application.get_case(case_id).version


def _hidden(html: str, form: str, name: str) -> str:
    """The value of a hidden input of the form `data-command=form` on the page."""
    start = html.index(f'data-command="{form}"')
    found = re.search(rf'name="{name}" value="([^"]*)"', html[start:])
    assert found is not None, f"form {form} has no {name}"
    return found.group(1)


def _form_fields(browser: TestClient, case_id: str, form: str, **fields: str | list[str]):
    """What the browser sends from `form` of the case page as it is now, with `fields`."""
    page = browser.get(f"/ui/cases/{case_id}").text
    hidden = {n: _hidden(page, form, n) for n in ("csrf_token", "expected_version")}
    return {**hidden, "idempotency_key": _hidden(page, form, "idempotency_key"), **fields}


def _section(html: str, form: str) -> str:
    start = html.index(f'<section id="form-{form}"')
    return html[start : html.index("</section>", start)]


PATHS = {
    "register-member": "members",
    "record-application": "application",
    "receive-document": "documents",
    "record-assessment": "assessments",
    "take-decision": "decision",
    "issue-permit": "permit",
    "extend-decision-period": "decision-period-extension",
    "record-arrival": "arrival",
    "withdraw": "withdrawal",
}


def _send(browser: TestClient, case_id: str, form: str, data: dict):
    return browser.post(f"/ui/cases/{case_id}/{PATHS[form]}", data=data)


def _send_each(browser: TestClient, case_id: str, member_id: str, sends: list) -> Any:
    """Send each (form, fields) of `sends` about the member, as the page shows it then; each
    must be recorded. The last answer."""
    for form, fields in sends:
        sent = _form_fields(browser, case_id, form, member_id=member_id, **fields)
        answer = _send(browser, case_id, form, sent)
        assert answer.status_code == 303, (form, answer.text)
    return answer


def test_registering_a_member_records_them_and_shows_it_in_words(
    system: Nareis, caseworker: TestClient
) -> None:
    case_id = _open_case(system)
    sent = _form_fields(
        caseworker, case_id, "register-member", name="Samir Haddad", born_on="1987-09-01",
        relationship="partner", marital_status="married", mentioned_in_asylum_procedure="yes",
        family_bond_abroad="no",
    )  # fmt: skip
    answer = _send(caseworker, case_id, "register-member", sent)
    assert answer.status_code == 303, answer.text
    [member] = system.application.get_case(case_id).facts.members
    assert (member.details.name, member.details.marital_status) == ("Samir Haddad", "married")
    assert member.details.family_bond_abroad is False
    assert answer.headers["location"] == (
        f"/ui/cases/{case_id}?done=member-registered&member={member.member_id}"
    )
    page = caseworker.get(answer.headers["location"]).text
    assert "Samir Haddad is registered as a family member." in page


def test_an_application_a_document_and_an_assessment_are_recorded_from_their_forms(
    system: Nareis, caseworker: TestClient
) -> None:
    case_id, member_id = _with_partner(system)
    sends = [
        ("record-application", {"submitted_on": "2026-02-27", "channel": "mvv_abroad"}),
        ("receive-document", {"received_on": "2026-03-01", "kind": "identity_document",
                              "official": "yes"}),
        ("record-assessment", {"assessed_on": "2026-03-02", "criterion": "identity_established",
                               "outcome": "met", "note": "Seen the passport"}),
    ]  # fmt: skip
    answer = _send_each(caseworker, case_id, member_id, sends)
    [member] = system.application.get_case(case_id).facts.members
    assert member.application is not None and member.application.channel == "mvv_abroad"
    assert [(d.kind, d.official) for d in member.documents] == [("identity_document", True)]
    assert [(a.criterion, a.note) for a in member.assessments] == [
        ("identity_established", "Seen the passport")
    ]
    done = caseworker.get(answer.headers["location"]).text
    assert "Assessment recorded for Samir." in done


def test_an_extension_an_arrival_and_a_withdrawal_are_recorded_from_their_forms(
    system: Nareis, caseworker: TestClient
) -> None:
    case_id, member_id = _applied_with_full_file(system)
    sends = [
        ("extend-decision-period", {"extended_on": "2026-04-01", "reason": "Waiting for DNA"}),
        ("record-arrival", {"arrived_on": "2026-04-20"}),
        ("withdraw", {"withdrawn_on": "2026-05-01", "reason": "Stays with her parents"}),
    ]
    answer = _send_each(caseworker, case_id, member_id, sends)
    [member] = system.application.get_case(case_id).facts.members
    assert member.extension is not None and member.extension.reason == "Waiting for DNA"
    assert member.arrived_on == D("2026-04-20")
    assert member.withdrawal is not None and member.withdrawal.reason == "Stays with her parents"
    done = caseworker.get(answer.headers["location"]).text
    assert "Withdrawal recorded for Samir." in done


def test_a_refusal_with_its_grounds_and_a_grant_with_its_permit_are_recorded(
    system: Nareis, caseworker: TestClient
) -> None:
    case_id, member_id = _applied_with_full_file(system)
    sent = _form_fields(
        caseworker, case_id, "take-decision", member_id=member_id, decided_on="2026-03-10",
        outcome="granted",
    )  # fmt: skip
    assert _send(caseworker, case_id, "take-decision", sent).status_code == 303
    sent = _form_fields(
        caseworker, case_id, "issue-permit", member_id=member_id, issued_on="2026-03-12",
        valid_from="2026-03-10",
    )  # fmt: skip
    answer = _send(caseworker, case_id, "issue-permit", sent)
    assert answer.status_code == 303
    [member] = system.application.get_case(case_id).facts.members
    assert member.decision is not None and member.decision.outcome == "granted"
    assert member.permit is not None and member.permit.valid_from == D("2026-03-10")
    assert "Permit recorded for Samir." in caseworker.get(answer.headers["location"]).text

    other_case, other_member = _applied_with_full_file(system)
    sent = _form_fields(
        caseworker, other_case, "take-decision", member_id=other_member,
        decided_on="2026-03-10", outcome="refused", grounds=["timely", "no_criminal_record"],
    )  # fmt: skip
    assert _send(caseworker, other_case, "take-decision", sent).status_code == 303
    [refused] = system.application.get_case(other_case).facts.members
    assert refused.decision is not None
    assert refused.decision.grounds == ("timely", "no_criminal_record")


def test_a_form_sent_twice_records_once_and_answers_both_times_as_a_success(
    system: Nareis, caseworker: TestClient
) -> None:
    case_id, member_id = _with_partner(system)
    sent = _form_fields(
        caseworker, case_id, "receive-document", member_id=member_id, received_on="2026-03-01",
        kind="identity_document", official="yes",
    )  # fmt: skip
    before = _version(system, case_id)
    first = _send(caseworker, case_id, "receive-document", sent)
    second = _send(caseworker, case_id, "receive-document", sent)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert _version(system, case_id) == before + 1
    [member] = system.application.get_case(case_id).facts.members
    assert len(member.documents) == 1


def test_a_key_sent_again_with_other_values_is_refused_in_words_and_records_nothing(
    system: Nareis, caseworker: TestClient
) -> None:
    case_id, member_id = _with_partner(system)
    sent = _form_fields(
        caseworker, case_id, "receive-document", member_id=member_id, received_on="2026-03-01",
        kind="identity_document", official="yes",
    )  # fmt: skip
    assert _send(caseworker, case_id, "receive-document", sent).status_code == 303
    after_first = _version(system, case_id)
    answer = _send(caseworker, case_id, "receive-document", {**sent, "kind": "other"})
    assert answer.status_code == 409
    assert "This form was sent before with other values" in _section(
        answer.text, "receive-document"
    )
    assert _version(system, case_id) == after_first


def test_a_form_from_a_page_older_than_the_case_is_refused_next_to_it_with_the_values_kept(
    system: Nareis, caseworker: TestClient
) -> None:
    case_id, member_id = _with_partner(system)
    sent = _form_fields(
        caseworker, case_id, "record-assessment", member_id=member_id, assessed_on="2026-03-02",
        criterion="identity_established", outcome="not_met", note="Passport <unclear>",
    )  # fmt: skip
    opened_at = _version(system, case_id)
    system.application.execute(
        SubmitApplication(case_id, member_id, D("2026-02-27"), "mvv_abroad"), CTX
    )
    answer = _send(caseworker, case_id, "record-assessment", sent)
    assert answer.status_code == 412
    assert _version(system, case_id) == opened_at + 1  # the assessment was not recorded
    section = _section(answer.text, "record-assessment")
    assert 'class="error-summary" role="alert"' in section
    assert (
        "Someone recorded something on this case since you opened it "
        f"(version {opened_at}, now {opened_at + 1})"
    ) in section
    assert "Passport &lt;unclear&gt;</textarea>" in section
    assert 'value="not_met" checked' in section
    assert f'<option value="{member_id}" selected>' in section
    assert _hidden(answer.text, "record-assessment", "expected_version") == str(opened_at + 1)
    assert "Traceback" not in answer.text


def test_a_missing_or_malformed_field_is_refused_in_words_beside_it_and_nothing_is_recorded(
    system: Nareis, caseworker: TestClient
) -> None:
    case_id, member_id = _with_partner(system)
    before = _version(system, case_id)
    sent = _form_fields(
        caseworker, case_id, "receive-document", member_id=member_id, received_on="1-3-2026",
        kind="", official="yes",
    )  # fmt: skip
    answer = _send(caseworker, case_id, "receive-document", sent)
    assert answer.status_code == 422
    section = _section(answer.text, "receive-document")
    assert "Enter received on as a date: year-month-day" in section
    assert "Choose kind of document." in section
    assert (
        'id="receive-document-kind" name="kind" aria-describedby="receive-document-kind-error"'
        in section
    )
    assert 'aria-invalid="true"' in section
    assert 'value="1-3-2026"' in section
    assert _version(system, case_id) == before


def test_a_command_the_case_refuses_is_shown_in_the_domain_s_words(
    system: Nareis, caseworker: TestClient
) -> None:
    case_id, member_id = _with_partner(system)
    before = _version(system, case_id)
    sent = _form_fields(
        caseworker, case_id, "issue-permit", member_id=member_id, issued_on="2026-03-12",
        valid_from="2026-03-10",
    )  # fmt: skip
    answer = _send(caseworker, case_id, "issue-permit", sent)
    assert answer.status_code == 409
    section = _section(answer.text, "issue-permit")
    assert "Not recorded" in section and "decision" in section.lower()
    assert _version(system, case_id) == before


def test_a_refusal_without_grounds_is_shown_on_the_grounds_field(
    system: Nareis, caseworker: TestClient
) -> None:
    case_id, member_id = _applied_with_full_file(system)
    sent = _form_fields(
        caseworker, case_id, "take-decision", member_id=member_id, decided_on="2026-03-10",
        outcome="refused",
    )  # fmt: skip
    answer = _send(caseworker, case_id, "take-decision", sent)
    assert answer.status_code == 422
    section = _section(answer.text, "take-decision")
    assert "Grounds of a refusal: a refusal names the rule ids it rests on." in section


@pytest.mark.parametrize("csrf_token", [None, "not-the-session-token"])
def test_a_form_without_the_session_s_csrf_token_is_refused_and_records_nothing(
    system: Nareis, caseworker: TestClient, csrf_token: str | None
) -> None:
    case_id, member_id = _with_partner(system)
    before = _version(system, case_id)
    sent = _form_fields(
        caseworker, case_id, "receive-document", member_id=member_id, received_on="2026-03-01",
        kind="identity_document", official="yes",
    )  # fmt: skip
    del sent["csrf_token"]
    if csrf_token is not None:
        sent["csrf_token"] = csrf_token
    answer = _send(caseworker, case_id, "receive-document", sent)
    assert answer.status_code == 403
    assert "Form expired" in answer.text
    assert _version(system, case_id) == before


def test_an_auditor_sees_no_forms_and_their_post_records_nothing(
    system: Nareis, caseworker: TestClient, auditor: TestClient
) -> None:
    case_id, member_id = _with_partner(system)
    page = auditor.get(f"/ui/cases/{case_id}")
    assert page.status_code == 200
    assert "data-command" not in page.text
    sent = _form_fields(
        caseworker, case_id, "receive-document", member_id=member_id, received_on="2026-03-01",
        kind="identity_document", official="yes",
    )  # fmt: skip
    before = _version(system, case_id)
    answer = _send(auditor, case_id, "receive-document", sent)
    assert answer.status_code == 403
    assert "The role auditor may read but not record." in answer.text
    assert _version(system, case_id) == before


def test_the_caseworker_s_page_has_every_form_with_labels_and_a_fresh_key_each(
    system: Nareis, caseworker: TestClient
) -> None:
    case_id, member_id = _with_partner(system)
    page = caseworker.get(f"/ui/cases/{case_id}").text
    for form in PATHS:
        assert (
            f'<form method="post" action="/ui/cases/{case_id}/{PATHS[form]}" data-command="{form}"'
            in page
        )
        assert _hidden(page, form, "expected_version") == str(_version(system, case_id))
    keys = {_hidden(page, form, "idempotency_key") for form in PATHS}
    assert len(keys) == len(PATHS)
    ids = re.findall(
        r'<(?:input|select|textarea) (?:type="(?:text|date|radio|checkbox)" )?id="([^"]+)"', page
    )
    labelled = set(re.findall(r'<label for="([^"]+)"', page))
    assert ids and set(ids) <= labelled
    assert f'<option value="{member_id}" >Samir (partner)</option>' in page
