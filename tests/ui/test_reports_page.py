"""The reports page, /ui/reports: the deadline counts and the caseload as bar charts and tables
with the application's figures, as of a day and as known at an instant; and both as CSV files."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import date

import pytest
from fastapi.testclient import TestClient

from application.commands import OpenCase
from application.projections import CaseListFilter
from application.service import CommandContext
from domain.facts import Sponsor
from infrastructure.api import mapping
from infrastructure.composition import Nareis
from infrastructure.ui.routers.reports import caseload_data, csv_cell, csv_line, deadline_data

EARLIER = date(2026, 1, 10)
BEFORE_EVERY_CASE = "2000-01-01T00:00:00Z"
_ROW = re.compile(
    r'<tr data-figure="([^"]+)"><th scope="row">[^<]*</th><td class="number">([0-9,]+)</td>'
)
_BAR_VALUE = re.compile(r'<text class="value"[^>]*>([0-9,]+)</text>')


def table_figures(html: str) -> dict[str, int]:
    """The figures of the page's tables, by key (`open`, `permits.issued`)."""
    return {key: int(value.replace(",", "")) for key, value in _ROW.findall(html)}


def chart_values(html: str, chart_id: str) -> list[int]:
    """The values written beside the bars of the chart `chart_id`, top to bottom."""
    svg = re.search(rf'<svg id="{chart_id}".*?</svg>', html, re.S)
    assert svg is not None, f"no chart {chart_id}"
    return [int(value.replace(",", "")) for value in _BAR_VALUE.findall(svg.group(0))]


def expected_figures(system: Nareis, as_of=None, known_at=None) -> tuple[list, list]:
    """The deadline and caseload figures as the application answers them."""
    app = system.application
    counts = mapping.deadline_report_out(
        app.list_cases(CaseListFilter(), 1, 1, as_of, known_at)
    ).counts
    caseload = mapping.caseload_out(app.caseload(as_of, known_at))
    return deadline_data(counts), caseload_data(caseload)


def read_csv(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff"), "the file starts with the UTF-8 mark spreadsheets look for"
    return list(csv.reader(io.StringIO(text[1:], newline="")))


def test_the_page_shows_each_deadline_count_and_caseload_figure_in_its_chart_and_table(
    demo: Nareis, caseworker: TestClient
) -> None:
    answer = caseworker.get("/ui/reports")
    assert answer.status_code == 200
    deadlines, caseload = expected_figures(demo)
    assert sum(d.value for d in deadlines) > 0 and sum(d.value for d in caseload) > 0
    assert chart_values(answer.text, "deadline-chart") == [d.value for d in deadlines]
    assert chart_values(answer.text, "caseload-chart") == [d.value for d in caseload]
    shown = table_figures(answer.text)
    assert shown == {d.key: d.value for d in deadlines + caseload}
    assert 'aria-current="page">Reports' in answer.text
    assert "may take a second to show" in answer.text
    assert 'class="notice past"' not in answer.text


def test_each_chart_is_an_image_named_by_its_title_and_described_in_words(
    demo: Nareis, caseworker: TestClient
) -> None:
    html = caseworker.get("/ui/reports").text
    deadlines, _ = expected_figures(demo)
    for chart in ("deadline-chart", "caseload-chart"):
        assert f'<svg id="{chart}"' in html
        assert f'role="img" aria-labelledby="{chart}-title {chart}-desc"' in html
        assert f'<title id="{chart}-title">' in html
    awaiting, open_, expired = (d.value for d in deadlines)
    expected = f"{awaiting} awaiting grant, {open_} open, {expired} expired."
    assert f'<desc id="deadline-chart-desc">{expected}</desc>' in html


def test_an_earlier_day_changes_the_figures_and_says_it_shows_the_past(
    demo: Nareis, caseworker: TestClient
) -> None:
    answer = caseworker.get(f"/ui/reports?as_of={EARLIER.isoformat()}")
    then, then_caseload = expected_figures(demo, as_of=EARLIER)
    today, _ = expected_figures(demo)
    assert [d.value for d in then] != [d.value for d in today]
    assert table_figures(answer.text) == {d.key: d.value for d in then + then_caseload}
    assert chart_values(answer.text, "deadline-chart") == [d.value for d in then]
    assert 'class="notice past"' in answer.text
    assert "as they stood on 2026-01-10, not today (2026-11-30)" in answer.text


def test_known_at_before_every_case_counts_nothing(demo: Nareis, caseworker: TestClient) -> None:
    answer = caseworker.get(f"/ui/reports?known_at={BEFORE_EVERY_CASE}")
    assert answer.status_code == 200
    shown = table_figures(answer.text)
    deadlines, caseload = expected_figures(demo)
    assert any(d.value for d in deadlines + caseload)  # known now, there is something to count
    assert shown == {d.key: 0 for d in deadlines + caseload}
    assert set(chart_values(answer.text, "deadline-chart")) == {0}
    assert "Only what was recorded by 2000-01-01T00:00:00+00:00 is counted" in answer.text


def test_a_bad_as_of_and_known_at_are_named_in_words_and_the_report_shown_without_them(
    demo: Nareis, caseworker: TestClient
) -> None:
    answer = caseworker.get("/ui/reports?as_of=2026-13-45&known_at=yesterday")
    assert answer.status_code == 200
    assert 'class="error-summary"' in answer.text
    assert "As of: &#39;2026-13-45&#39; is not a date. Write it as YYYY-MM-DD." in answer.text
    assert "Known at: &#39;yesterday&#39; is not an instant." in answer.text
    assert "Traceback" not in answer.text
    assert 'value="2026-13-45" aria-describedby="as_of-hint" aria-invalid="true"' in answer.text
    deadlines, _ = expected_figures(demo)
    assert chart_values(answer.text, "deadline-chart") == [d.value for d in deadlines]
    # the CSV links carry only what could be used
    assert 'href="/ui/reports/deadlines.csv"' in answer.text


def test_a_known_at_with_its_plus_lost_in_the_link_is_read_as_meant(
    demo: Nareis, caseworker: TestClient
) -> None:
    answer = caseworker.get("/ui/reports?known_at=2000-01-01T01:00:00 01:00")
    assert 'class="error-summary"' not in answer.text
    # the instant, told in UTC
    assert "Only what was recorded by 2000-01-01T00:00:00+00:00 is counted" in answer.text


def test_the_deadline_csv_has_the_counts_and_one_row_per_case(
    demo: Nareis, caseworker: TestClient
) -> None:
    answer = caseworker.get("/ui/reports/deadlines.csv")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.headers["content-disposition"] == (
        'attachment; filename="nareis-deadlines-2026-11-30.csv"'
    )
    assert answer.headers["cache-control"] == "no-store"
    rows = read_csv(answer.text)
    deadlines, _ = expected_figures(demo)
    assert rows[:4] == [["status", "cases"]] + [[d.key, str(d.value)] for d in deadlines]
    assert rows[4] == []
    assert rows[5] == ["case_id", "sponsor_name", "status", "term_ends_on", "days_left"]
    listed = demo.application.list_cases(CaseListFilter(), 1, 1000).report.cases
    assert len(rows[6:]) == len(listed) == sum(d.value for d in deadlines)
    assert {tuple(row) for row in rows[6:]} == {
        (c.case_id, c.sponsor_name or "", c.status, str(c.term_ends_on or ""), str(c.days_left))
        if c.days_left is not None
        else (c.case_id, c.sponsor_name or "", c.status, str(c.term_ends_on or ""), "")
        for c in listed
    }


def test_the_deadline_csv_reads_every_page_of_the_listing(
    demo: Nareis, caseworker: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("infrastructure.ui.routers.reports.CSV_PAGE_SIZE", 2)
    rows = read_csv(caseworker.get("/ui/reports/deadlines.csv").text)
    case_ids = [row[0] for row in rows[6:]]
    listed = demo.application.list_cases(CaseListFilter(), 1, 1000).report.cases
    assert len(listed) > 2
    assert sorted(case_ids) == sorted(c.case_id for c in listed)


def test_the_csvs_follow_as_of_and_known_at_and_name_them_in_the_file_name(
    demo: Nareis, caseworker: TestClient
) -> None:
    answer = caseworker.get(
        f"/ui/reports/deadlines.csv?as_of=2026-01-10&known_at={BEFORE_EVERY_CASE}"
    )
    assert answer.headers["content-disposition"] == (
        'attachment; filename="nareis-deadlines-2026-01-10-known-at-20000101T000000Z.csv"'
    )
    rows = read_csv(answer.text)
    assert rows[1:4] == [["awaiting_grant", "0"], ["open", "0"], ["expired", "0"]]
    assert rows[6:] == []
    earlier = read_csv(caseworker.get("/ui/reports/caseload.csv?as_of=2026-01-10").text)
    _, then = expected_figures(demo, as_of=EARLIER)
    _, today = expected_figures(demo)
    assert then != today
    assert earlier[1:] == [[d.key, str(d.value)] for d in then]


def test_the_caseload_csv_has_one_row_per_figure(demo: Nareis, caseworker: TestClient) -> None:
    answer = caseworker.get("/ui/reports/caseload.csv")
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.headers["content-disposition"] == (
        'attachment; filename="nareis-caseload-2026-11-30.csv"'
    )
    rows = read_csv(answer.text)
    _, caseload = expected_figures(demo)
    assert rows[0] == ["figure", "value"]
    assert rows[1:] == [[d.key, str(d.value)] for d in caseload]
    assert [row[0] for row in rows[1:]] == [
        "members_per_stage.registered",
        "members_per_stage.applied",
        "members_per_stage.granted",
        "members_per_stage.refused",
        "members_per_stage.withdrawn",
        "members_per_stage.permit_issued",
        "applications.timely",
        "applications.late",
        "overdue_decisions",
        "permits.issued",
        "permits.within_target",
        "permits.over_target",
    ]


def test_a_csv_asked_with_a_bad_as_of_is_refused_in_words_not_sent_for_another_day(
    demo: Nareis, caseworker: TestClient
) -> None:
    for path in ("/ui/reports/deadlines.csv", "/ui/reports/caseload.csv"):
        answer = caseworker.get(f"{path}?as_of=30-11-2026")
        assert answer.status_code == 422
        assert answer.headers["content-type"].startswith("text/html")
        assert "As of: &#39;30-11-2026&#39; is not a date." in answer.text


def test_a_sponsor_name_that_starts_like_a_formula_is_written_as_text_in_the_csv(
    system: Nareis, caseworker: TestClient
) -> None:
    name = '=HYPERLINK("https://evil.example","Open")'
    sponsor = Sponsor(
        "1000000009", name, date(1988, 3, 14), date(2025, 6, 2), date(2025, 5, 28), False
    )
    case_id = system.application.execute(OpenCase(sponsor), CommandContext("alice")).case_id
    system.catch_up()
    rows = read_csv(caseworker.get("/ui/reports/deadlines.csv").text)
    assert [row[:2] for row in rows[6:]] == [[case_id, "'" + name]]


def test_every_kind_of_formula_start_is_guarded_and_plain_values_are_not() -> None:
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert csv_cell(f"{start}1+1") == f"'{start}1+1"
    assert csv_cell("Amal Haddad") == "Amal Haddad"
    assert csv_cell("O'Neil =x") == "O'Neil =x"
    assert csv_cell(-3) == "-3"  # days left: a number we wrote, not text a person typed
    assert csv_cell(None) == ""
    assert csv_cell(date(2026, 2, 28)) == "2026-02-28"
    assert csv_line(["a,b", '"q"', "-x"]) == '"a,b","""q""",\'-x\r\n'


def test_not_signed_in_the_reports_and_their_csvs_send_the_browser_to_sign_in(
    client_for: Callable[[str | None], TestClient],
) -> None:
    browser = client_for(None)
    for path in ("/ui/reports?as_of=2026-01-10", "/ui/reports/deadlines.csv"):
        answer = browser.get(path)
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/ui/login?next=/ui/reports")


def test_an_auditor_may_read_the_reports_and_download_them(
    demo: Nareis, auditor: TestClient
) -> None:
    page = auditor.get("/ui/reports")
    assert page.status_code == 200
    assert "Signed in as <strong>bob</strong>" in page.text
    assert 'id="deadlines-csv"' in page.text and 'id="caseload-csv"' in page.text
    assert auditor.get("/ui/reports/caseload.csv").status_code == 200
    assert auditor.get("/ui/reports/deadlines.csv").status_code == 200


def test_the_page_has_its_filter_form_and_csv_links_with_the_query(
    demo: Nareis, caseworker: TestClient
) -> None:
    html = caseworker.get("/ui/reports?as_of=2026-01-10").text
    assert '<form method="get" action="/ui/reports" class="filters" id="report-filters"' in html
    assert '<label for="as_of">' in html and '<label for="known_at">' in html
    assert 'id="as_of" name="as_of" type="date" value="2026-01-10"' in html
    assert 'href="/ui/reports/deadlines.csv?as_of=2026-01-10"' in html
    assert 'href="/ui/reports/caseload.csv?as_of=2026-01-10"' in html
    assert '<link rel="stylesheet" href="/ui/static/reports.css">' in html
    assert caseworker.get("/ui/static/reports.css").status_code == 200
