"""Opening a case from the browser view, and recording the sponsor's grant on its page."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from application.projections import CaseListFilter
from infrastructure.composition import Nareis
from tests.ui.conftest import csrf_token_of

SPONSOR = {
    "name": "Amal Haddad",
    "v_number": "1000000001",
    "born_on": "1988-03-14",
    "asylum_application_signed_on": "2025-06-02",
    "arrived_on": "2025-05-28",
    "unaccompanied_minor": "no",
}
_CASE_PAGE = re.compile(r"^/ui/cases/([0-9a-f-]{36})\?done=")


def _form_of(browser: TestClient, path: str, command: str, **fields: str) -> dict[str, str]:
    """What the browser sends from the form `command` of the page at `path`, with `fields`."""
    page = browser.get(path).text
    start = page.index(f'data-command="{command}"')
    hidden = dict(re.findall(r'name="([a-z_]+)" value="([^"]*)"', page[start:])[:3])
    return {**hidden, "csrf_token": csrf_token_of(page), **fields}


def _case_ids(system: Nareis) -> list[str]:
    system.catch_up()
    listing = system.application.list_cases(CaseListFilter(), 1, 100).report.cases
    return [case.case_id for case in listing]


def test_a_caseworker_opens_a_case_from_the_form_and_lands_on_its_page(
    system: Nareis, caseworker: TestClient
) -> None:
    assert 'href="/ui/cases/new"' in caseworker.get("/ui").text
    answer = caseworker.post(
        "/ui/cases", data=_form_of(caseworker, "/ui/cases/new", "open-case", **SPONSOR)
    )
    assert answer.status_code == 303, answer.text
    found = _CASE_PAGE.match(answer.headers["location"])
    assert found is not None
    sponsor = system.application.get_case(found.group(1)).facts.sponsor
    assert (sponsor.name, sponsor.v_number, sponsor.unaccompanied_minor) == (
        "Amal Haddad",
        "1000000001",
        False,
    )
    assert "The case is opened." in caseworker.get(answer.headers["location"]).text


def test_the_new_case_form_sent_twice_opens_one_case(
    system: Nareis, caseworker: TestClient
) -> None:
    sent = _form_of(caseworker, "/ui/cases/new", "open-case", **SPONSOR)
    first = caseworker.post("/ui/cases", data=sent)
    again = caseworker.post("/ui/cases", data=sent)
    assert first.headers["location"] == again.headers["location"]
    assert len(_case_ids(system)) == 1


def test_a_sponsor_who_arrived_after_signing_is_refused_in_words_with_the_values_kept(
    system: Nareis, caseworker: TestClient
) -> None:
    sent = _form_of(
        caseworker, "/ui/cases/new", "open-case", **{**SPONSOR, "arrived_on": "2025-07-01"}
    )
    answer = caseworker.post("/ui/cases", data={**sent, "v_number": "12"})
    assert answer.status_code == 422
    assert "Not recorded" in answer.text
    assert "V-number" in answer.text and 'value="12"' in answer.text
    assert 'value="Amal Haddad"' in answer.text
    assert _case_ids(system) == []


def test_an_auditor_has_no_new_case_form_and_cannot_open_one(
    system: Nareis, auditor: TestClient, caseworker: TestClient
) -> None:
    assert 'href="/ui/cases/new"' not in auditor.get("/ui").text
    page = auditor.get("/ui/cases/new")
    assert page.status_code == 403 and "may read but not record" in page.text
    sent = _form_of(caseworker, "/ui/cases/new", "open-case", **SPONSOR)
    refused = auditor.post("/ui/cases", data=sent)  # the role is refused before the token
    assert refused.status_code == 403 and "may read but not record" in refused.text
    assert _case_ids(system) == []


def test_the_sponsors_grant_is_recorded_and_corrected_from_the_case_page(
    system: Nareis, caseworker: TestClient
) -> None:
    opened = caseworker.post(
        "/ui/cases", data=_form_of(caseworker, "/ui/cases/new", "open-case", **SPONSOR)
    )
    case_page = opened.headers["location"].split("?")[0]
    grant = {"granted_on": "2025-11-30", "permit_kind": "independent"}
    answer = caseworker.post(
        f"{case_page}/sponsor-permit", data=_form_of(caseworker, case_page, "record-grant", **grant)
    )
    assert answer.status_code == 303, answer.text
    assert "The sponsor&#39;s grant is recorded." in caseworker.get(answer.headers["location"]).text
    case_id = case_page.rsplit("/", 1)[1]
    unexplained = {**grant, "granted_on": "2025-12-10"}
    refused = caseworker.post(
        f"{case_page}/sponsor-permit",
        data=_form_of(caseworker, case_page, "record-grant", **unexplained),
    )
    assert refused.status_code == 422 and "Not recorded" in refused.text
    assert "already recorded with other values; re-recording it is a correction" in refused.text
    explained = {**unexplained, "correction_reason": "The letter is dated 10 December"}
    corrected = caseworker.post(
        f"{case_page}/sponsor-permit",
        data=_form_of(caseworker, case_page, "record-grant", **explained),
    )
    assert corrected.status_code == 303
    assert system.application.deadline(case_id).deadline.term.granted_on.isoformat() == "2025-12-10"
