"""The work queue, /ui: each queue lists the cases that need that doing, the listing's filters
work as in GET /cases, pages follow by keyset, and a bad filter is named in words."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from application.projections import CaseListFilter
from domain.vocabulary import Stage
from infrastructure.composition import Nareis
from infrastructure.ui.routers import queue

_SPONSOR_LINK = re.compile(r'<a href="/ui/cases/[0-9a-f-]+">([^<]+)</a>')
_NEXT = re.compile(r'<a href="([^"]+)" rel="next">')


def sponsors_listed(html: str) -> list[str]:
    return _SPONSOR_LINK.findall(html)


def test_terms_ending_soon_lists_the_open_terms_ending_within_the_days_asked(
    demo: Nareis, caseworker: TestClient
) -> None:
    # today 2026-11-30; the corrected case's term ends on 2027-02-09, 71 days on
    assert sponsors_listed(caseworker.get("/ui?queue=terms&within=70").text) == []
    assert sponsors_listed(caseworker.get("/ui?queue=terms&within=71").text) == ["Yara El-Amin"]


def test_decisions_due_lists_the_cases_with_an_undecided_application_due_by_then(
    demo: Nareis, caseworker: TestClient
) -> None:
    app = demo.application
    due_by = app.today() + timedelta(days=14)
    expected = []
    for listing in app.list_cases(CaseListFilter(), 1, 100).report.cases:
        stages = {m.member_id: m.stage for m in app.get_case(listing.case_id).facts.members}
        members = app.deadline(listing.case_id).deadline.members
        if any(
            stages[m.member_id] == Stage.APPLIED and m.decision_due_on <= due_by for m in members
        ):
            expected.append(listing.sponsor_name)
    listed = sponsors_listed(caseworker.get("/ui?queue=decisions").text)
    assert listed == expected
    assert "Dawit Tesfaye" in listed and "Samir Haddad" in listed
    # the corrected case applied on 2026-11-20: its decisions are due months from now
    assert "Yara El-Amin" not in listed
    assert "Yara El-Amin" in sponsors_listed(
        caseworker.get("/ui?queue=decisions&within=1000").text
    )


def test_permits_past_target_lists_the_grants_without_a_permit_after_4_days(
    demo: Nareis, caseworker: TestClient
) -> None:
    # Osman's first partner was granted on 2026-06-15 and has no permit; Haddad's got theirs
    assert sponsors_listed(caseworker.get("/ui?queue=permits").text) == ["Hassan Osman"]


def test_all_cases_takes_the_filters_of_the_case_listing(
    demo: Nareis, caseworker: TestClient
) -> None:
    assert sponsors_listed(caseworker.get("/ui?queue=all&status=awaiting_grant").text) == [
        "Noor Karimi"
    ]
    assert len(sponsors_listed(caseworker.get("/ui?queue=all").text)) == 8
    page = caseworker.get("/ui?queue=all&stage=permit_issued").text
    assert sponsors_listed(page) == ["Amal Haddad"]
    assert '<option value="permit_issued" selected>' in page


def test_the_pages_of_a_queue_follow_one_another_by_keyset_and_cover_it_once(
    demo: Nareis, caseworker: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    every_case = sponsors_listed(caseworker.get("/ui?queue=all").text)
    monkeypatch.setattr(queue, "PAGE_SIZE", 3)
    seen, url, pages = [], "/ui?queue=all", 0
    while url:
        html = caseworker.get(url.replace("&amp;", "&")).text
        seen += sponsors_listed(html)
        pages += 1
        found = _NEXT.search(html)
        url = found.group(1) if found else ""
        assert not found or "after=" in url
    assert pages == 3
    assert seen == every_case
    assert len(set(seen)) == 8


def test_a_filter_that_cannot_be_used_is_named_in_words_and_left_out(
    demo: Nareis, caseworker: TestClient
) -> None:
    answer = caseworker.get("/ui?queue=all&status=closed&as_of=1-2-2026&after=garbage")
    assert answer.status_code == 200
    assert "status: &#39;closed&#39; is not one of awaiting_grant, open, expired." in answer.text
    assert "as of: &#39;1-2-2026&#39; is not a date (YYYY-MM-DD)." in answer.text
    assert "The page link is damaged; showing the first page." in answer.text
    assert len(sponsors_listed(answer.text)) == 8


def test_an_unknown_queue_shows_the_terms_ending_soon_and_says_so(
    caseworker: TestClient,
) -> None:
    answer = caseworker.get("/ui?queue=everything")
    assert "There is no queue &#39;everything&#39;; showing terms ending soon." in answer.text
    assert '<a href="/ui?queue=terms" aria-current="page">' in answer.text


def test_an_auditor_reads_the_work_queue_too(demo: Nareis, auditor: TestClient) -> None:
    answer = auditor.get("/ui?queue=all")
    assert answer.status_code == 200
    assert "Signed in as <strong>bob</strong> (auditor)" in answer.text
    assert len(sponsors_listed(answer.text)) == 8
