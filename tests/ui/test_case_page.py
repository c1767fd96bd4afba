"""The case page, /ui/cases/{case_id}: the timeline, the checklists, the audit trail, time
travel (`as_of`, `known_at`, `version`), and bad input in words."""

from __future__ import annotations

import json
import re
from datetime import date
from html import unescape
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from application.commands import GrantSponsorPermit, ReceiveDocument
from application.service import CommandContext
from infrastructure.composition import Nareis
from infrastructure.demo import DemoCase
from infrastructure.ui.case_audit import AUDIT_WINDOW
from tests.e2e.support import RULE_IDS

CORRECTION_REASON = "The permit letter is dated 10 December"


class _ElementText(HTMLParser):
    """The text of the element with a given id (its descendants' text included)."""

    VOID = {"input", "br", "img", "meta", "link", "hr", "col", "source", "wbr"}

    def __init__(self, element_id: str) -> None:
        super().__init__()
        self.element_id, self.depth, self.found, self.parts = element_id, 0, False, []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.VOID:
            return
        if self.depth:
            self.depth += 1
        elif dict(attrs).get("id") == self.element_id:
            self.depth, self.found = 1, True

    def handle_endtag(self, tag: str) -> None:
        if self.depth and tag not in self.VOID:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.parts.append(data)


def text_of(html: str, element_id: str) -> str | None:
    """The text of the element `element_id` in `html` (white space collapsed), None if absent."""
    parser = _ElementText(element_id)
    parser.feed(html)
    return " ".join("".join(parser.parts).split()) if parser.found else None


def attribute_of(html: str, element_id: str, name: str) -> str:
    tag = re.search(rf'<[^>]*\bid="{re.escape(element_id)}"[^>]*>', html, re.S)
    assert tag is not None, f"no element {element_id}"
    value = re.search(rf"""\b{name}=(["'])(.*?)\1""", tag.group(0), re.S)
    assert value is not None, f"{element_id} has no {name}"
    return unescape(value.group(2))


def has_past_notice(html: str) -> bool:
    return 'class="notice past"' in html


@pytest.fixture
def corrected(system: Nareis, demo_cases: list[DemoCase]) -> DemoCase:
    """The Haddad case (granted Sunday 2025-11-30: the term ends Monday 2026-03-02), its grant
    corrected to 2025-12-10 (the term then ends Tuesday 2026-03-10)."""
    case = demo_cases[0]
    system.application.execute(
        GrantSponsorPermit(
            case.case_id, date(2025, 12, 10), "independent", correction_reason=CORRECTION_REASON
        ),
        CommandContext("alice"),
    )
    system.catch_up()
    return case


def latest_version(system: Nareis, case_id: str) -> int:
    return system.application.get_case(case_id).version


def test_the_timeline_shows_the_corrected_term_end_and_before_the_correction_the_old_one(
    caseworker: TestClient, system: Nareis, corrected: DemoCase
) -> None:
    latest = latest_version(system, corrected.case_id)
    now = caseworker.get(f"/ui/cases/{corrected.case_id}")
    assert now.status_code == 200
    assert text_of(now.text, "term-end") == "Term ends Tue 2026-03-10"
    assert 'id="timeline"' in now.text and 'role="img"' in now.text

    before = caseworker.get(f"/ui/cases/{corrected.case_id}?version={latest - 1}")
    assert before.status_code == 200
    assert text_of(before.text, "term-end") == "Term ends Mon 2026-03-02"
    # the roll-over: the nominal end on a Saturday, and why, in words
    assert "Nominal end Sat 2026-02-28" in before.text
    assert "which is a non-working day (Saturday)" in before.text
    assert (
        "Rolled over:" in before.text and "Saturday 2026-02-28 → Monday 2026-03-02" in before.text
    )
    assert attribute_of(before.text, "known-version", "value") == str(latest - 1)


def test_a_version_and_its_recorded_instant_show_the_same_past(
    caseworker: TestClient, system: Nareis, corrected: DemoCase
) -> None:
    history = system.application.history(corrected.case_id)
    before_correction = history[-2]
    known_at = before_correction.recorded_at.isoformat()
    by_instant = caseworker.get(f"/ui/cases/{corrected.case_id}", params={"known_at": known_at})
    assert text_of(by_instant.text, "term-end") == "Term ends Mon 2026-03-02"
    assert f"(version {before_correction.version} of {history[-1].version})" in by_instant.text


def test_the_past_notice_appears_only_when_the_page_shows_the_past(
    caseworker: TestClient, system: Nareis, corrected: DemoCase
) -> None:
    page = f"/ui/cases/{corrected.case_id}"
    latest = latest_version(system, corrected.case_id)
    for present in ("", "?as_of=2026-11-30", f"?version={latest}"):
        answer = caseworker.get(page + present)
        assert answer.status_code == 200
        assert not has_past_notice(answer.text), present

    on_a_day = caseworker.get(page + "?as_of=2026-03-01")
    assert has_past_notice(on_a_day.text)
    assert "You are looking at the past" in on_a_day.text
    assert "the case as it stood on" in on_a_day.text and "2026-03-01" in on_a_day.text
    assert "Back to today and the latest version" in on_a_day.text

    known_earlier = caseworker.get(page + "?version=5")
    assert has_past_notice(known_earlier.text)
    assert f"(version 5 of {latest})" in known_earlier.text


def test_every_rule_of_the_domain_is_in_each_members_checklist_with_its_outcome_and_reason(
    caseworker: TestClient, system: Nareis, demo_cases: list[DemoCase]
) -> None:
    case = demo_cases[0]
    answer = caseworker.get(f"/ui/cases/{case.case_id}")
    eligibility = system.application.eligibility(case.case_id)
    assert len(eligibility.members) == 3
    for member in eligibility.members:
        section = text_of(answer.text, f"member-{member.member_id}")
        assert section is not None
        rows = re.findall(
            r'<tr data-rule="([a-z_]+)" data-outcome="([a-z_]+)">\s*<th scope="row"><code>\1'
            r'</code></th>\s*<td class="outcome outcome-\2">([^<]+)</td>\s*<td>([^<]*)</td>',
            answer.text.split(f'id="checklist-{member.member_id}"')[1].split("</table>")[0],
        )
        assert [rule for rule, *_ in rows] == list(RULE_IDS)
        for (rule_id, outcome, words, reason), rule in zip(rows, member.rules, strict=True):
            assert (rule_id, outcome) == (str(rule.id), str(rule.outcome))
            assert words == str(rule.outcome).replace("_", " ")
            assert unescape(reason) == rule.reason and reason
        assert f"Overall: {member.overall}" in section


def test_missing_documents_are_listed(caseworker: TestClient, demo_cases: list[DemoCase]) -> None:
    tesfaye = demo_cases[1]  # the partner has an identity and an unofficial family-tie document only
    answer = caseworker.get(f"/ui/cases/{tesfaye.case_id}")
    partner = text_of(answer.text, f"member-{tesfaye.members['partner']}")
    assert partner is not None
    assert 'class="missing-documents"' in answer.text
    assert "antecedents certificate" in partner and "sponsor declaration" in partner


def test_the_audit_trail_shows_a_correction_as_old_and_new_with_its_reason(
    caseworker: TestClient, system: Nareis, corrected: DemoCase
) -> None:
    latest = latest_version(system, corrected.case_id)
    answer = caseworker.get(f"/ui/cases/{corrected.case_id}")
    trail = text_of(answer.text, "audit-trail")
    assert trail is not None and trail.index("Case opened") < trail.index("Document received")
    row = text_of(answer.text, f"version-{latest}")
    assert row is not None
    assert "Sponsor's grant corrected" in row and "alice" in row
    assert "granted on: 2025-11-30 → changed to 2025-12-10" in row
    assert f"Reason: {CORRECTION_REASON}" in row
    first = text_of(answer.text, "version-1")
    assert first is not None and "Case opened" in first and "Amal Haddad" in first


def test_the_slider_runs_over_every_recorded_version_in_words(
    caseworker: TestClient, system: Nareis, corrected: DemoCase
) -> None:
    history = system.application.history(corrected.case_id)
    answer = caseworker.get(f"/ui/cases/{corrected.case_id}?version=3")
    assert attribute_of(answer.text, "known-version", "max") == str(len(history))
    assert attribute_of(answer.text, "known-version", "name") == "version"
    labels = json.loads(attribute_of(answer.text, "known-version", "data-labels"))
    assert sorted(labels, key=int) == [str(e.version) for e in history]
    assert labels[str(len(history))].startswith(f"Version {len(history)} of {len(history)}: ")
    assert "Sponsor's grant corrected" in labels[str(len(history))]
    assert text_of(answer.text, "known-version-label") == labels["3"]
    assert "data-submit-on-change" in answer.text and 'id="as_of"' in answer.text


def test_a_case_awaiting_its_grant_has_no_term_on_its_timeline(
    caseworker: TestClient, demo_cases: list[DemoCase]
) -> None:
    noor = next(c for c in demo_cases if c.label == "noor-awaiting-grant-overdue")
    answer = caseworker.get(f"/ui/cases/{noor.case_id}")
    assert answer.status_code == 200
    assert text_of(answer.text, "term-end") is None
    assert "No term yet" in answer.text and "awaiting grant" in answer.text
    assert "Applied" in (text_of(answer.text, "timeline-facts") or "")


def test_an_unknown_case_is_a_404_page_in_words(caseworker: TestClient, demo: object) -> None:
    for case_id in ("not-a-case", "00000000-0000-4000-8000-000000000000"):
        answer = caseworker.get(f"/ui/cases/{case_id}")
        assert answer.status_code == 404
        assert "text/html" in answer.headers["content-type"]
        assert "Case not found" in answer.text and f"There is no case {case_id}" in answer.text
        assert "Traceback" not in answer.text


def test_an_erased_case_is_a_410_page_in_words(
    caseworker: TestClient, system: Nareis, demo_cases: list[DemoCase]
) -> None:
    case = demo_cases[2]
    system.application.erase(case.case_id, "Retention period over", "alice")
    answer = caseworker.get(f"/ui/cases/{case.case_id}")
    assert answer.status_code == 410
    assert "Case erased" in answer.text and "Retention period over" in answer.text


@pytest.mark.parametrize(
    ("query", "field", "words"),
    [
        ("as_of=2026-13-45", "As of", "'2026-13-45' is not a date"),
        ("as_of=1.3.2026", "As of", "'1.3.2026' is not a date"),
        ("known_at=yesterday", "Known at", "'yesterday' is not an instant in RFC 3339"),
        ("known_at=2026-03-01T09:30:00", "Known at", "with a time zone"),
        ("known_at=2001-01-01T00:00:00Z", "Known at", "The case was first recorded at"),
        ("version=999", "Version", "There is no version 999"),
        ("version=-1", "Version", "'-1' is not a version number"),
    ],
)
def test_a_bad_time_value_is_named_in_words_and_the_latest_state_of_today_is_shown(
    caseworker: TestClient,
    system: Nareis,
    corrected: DemoCase,
    query: str,
    field: str,
    words: str,
) -> None:
    answer = caseworker.get(f"/ui/cases/{corrected.case_id}?{query}")
    assert answer.status_code == 200
    summary = text_of(answer.text, "problems")
    assert summary is not None, "no error summary"
    assert f"{field}: " in summary and words in unescape(summary)
    assert not has_past_notice(answer.text)
    assert text_of(answer.text, "term-end") == "Term ends Tue 2026-03-10"
    latest = latest_version(system, corrected.case_id)
    assert attribute_of(answer.text, "known-version", "value") == str(latest)


def test_a_plus_sent_as_a_space_in_known_at_is_read_as_the_plus_it_was(
    caseworker: TestClient, system: Nareis, corrected: DemoCase
) -> None:
    before = system.application.history(corrected.case_id)[-2].recorded_at
    typed = before.strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")
    answer = caseworker.get(f"/ui/cases/{corrected.case_id}?known_at={typed}")  # '+' unescaped
    assert text_of(answer.text, "problems") is None
    assert text_of(answer.text, "term-end") == "Term ends Mon 2026-03-02"


def test_an_auditor_sees_the_case_page_without_command_forms(
    auditor: TestClient, demo_cases: list[DemoCase]
) -> None:
    answer = auditor.get(f"/ui/cases/{demo_cases[0].case_id}")
    assert answer.status_code == 200
    assert text_of(answer.text, "term-end") == "Term ends Mon 2026-03-02"
    assert text_of(answer.text, "audit-trail") is not None
    assert 'id="time-travel"' in answer.text  # reading the past is not a command
    posted_to = re.findall(r'<form method="post" action="([^"]*)"', answer.text)
    assert posted_to == ["/ui/logout"]
    assert 'name="csrf_token"' not in answer.text
    assert "case_forms.html" not in answer.text


def _versions_in_trail(html: str) -> list[int]:
    return [int(v) for v in re.findall(r'<tr id="version-([0-9]+)"', html)]


def test_a_long_audit_trail_shows_the_versions_around_the_one_shown_and_links_to_the_whole(
    system: Nareis, caseworker: TestClient, demo_cases: list[DemoCase]
) -> None:
    el_amin = demo_cases[-1]
    partner = el_amin.members["partner"]
    for _ in range(AUDIT_WINDOW + 20):
        system.application.execute(
            ReceiveDocument(el_amin.case_id, partner, date(2026, 11, 21), "other", True),
            CommandContext("alice"),
        )
    latest = latest_version(system, el_amin.case_id)
    page = caseworker.get(f"/ui/cases/{el_amin.case_id}").text
    assert _versions_in_trail(page) == list(range(latest - AUDIT_WINDOW + 1, latest + 1))
    assert f"This case has {latest} versions" in (text_of(page, "audit-window") or "")
    first = caseworker.get(f"/ui/cases/{el_amin.case_id}?version=1").text
    assert _versions_in_trail(first) == list(range(1, AUDIT_WINDOW + 1))
    whole = caseworker.get(f"/ui/cases/{el_amin.case_id}?trail=all").text
    assert _versions_in_trail(whole) == list(range(1, latest + 1))
    assert text_of(whole, "audit-window") is None


def test_a_short_audit_trail_is_shown_whole(caseworker: TestClient, demo_cases: list[DemoCase]):
    page = caseworker.get(f"/ui/cases/{demo_cases[-1].case_id}").text
    assert _versions_in_trail(page) == list(range(1, 11))
    assert text_of(page, "audit-window") is None
