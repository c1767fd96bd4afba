"""Keyset pages and counts as known at any instant, against the plain answers they replace.

A listing read page by page (each page found by the seek of its first case, then read from that
key on) must equal the same listing read in one page, for every filter; the deadline counts as
known at an instant (from the latest mark and the changes since it) must equal a scan of every
term known then. Marks are taken every few changes here, so the seeded cases have many of them,
with corrections before, between and after marks.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest

from application.projections import CaseListFilter, catch_up
from application.seeding import EVERY_CORRECTION, CaseGenerator
from domain.vocabulary import Route, Stage
from infrastructure.composition import Nareis
from infrastructure.read_model_sql import SQLReadModel, sortable_instant
from tests.integration.conftest import open_system
from tests.stores import STORES, new_database_url, sql_rows

CASES = 60
CHANGES_PER_MARK = 7
# Marks are taken between batches: small batches make many marks, and corrections between them.
EVENTS_PER_BATCH = 9
TODAY = date(2026, 11, 28)
AS_OF_DATES = (date(2024, 6, 1), date(2025, 11, 30), date(2026, 6, 1), TODAY, date(2027, 6, 1))
FILTERS = (
    CaseListFilter(),
    *(CaseListFilter(status=status) for status in ("awaiting_grant", "open", "expired")),
    CaseListFilter(days_left_at_most=30),
    CaseListFilter(status="open", days_left_at_most=90),
    *(CaseListFilter(route=route) for route in Route),
    *(CaseListFilter(stage=stage) for stage in Stage),
    CaseListFilter(route=Route.REGULAR, stage=Stage.APPLIED),
)


@dataclass
class Seeded:
    nareis: Nareis
    database_url: str
    instants: list[datetime | None]


@pytest.fixture(scope="module")
def marked_often() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(SQLReadModel, "changes_per_mark", CHANGES_PER_MARK)
        yield


@pytest.fixture(scope="module", params=STORES)
def seeded(request: pytest.FixtureRequest, tmp_path_factory, marked_often) -> Iterator[Seeded]:
    url = new_database_url(request.param, tmp_path_factory.mktemp("pages"), request)
    nareis = open_system(url)
    generator = CaseGenerator(seed=7, today=TODAY, mix=EVERY_CORRECTION)
    instants: list[datetime | None] = [datetime.now(UTC)]
    cases = list(generator.cases(CASES))
    for third in range(3):  # the projection catches up between saves: rows arrive in batches
        nareis.application.save(*cases[third::3])
        instants.append(datetime.now(UTC))
        project_in_small_batches(nareis)
    for _ in range(2):
        revised = [nareis.application.repository.get(case.id) for case in cases]
        for case in revised:
            generator.revise(case)
        nareis.application.save(*revised[: CASES // 2])
        instants.append(datetime.now(UTC))
        nareis.application.save(*revised[CASES // 2 :])
        instants.append(datetime.now(UTC))
        project_in_small_batches(nareis)
    instants += instants_around_marks(url)
    yield Seeded(nareis, url, [*instants, None])
    nareis.close()


def project_in_small_batches(nareis: Nareis) -> None:
    catch_up(nareis.application, nareis.read_model, batch_size=EVENTS_PER_BATCH)


def instants_around_marks(database_url: str) -> list[datetime]:
    """Just before, at and just after some of the marks."""
    marks = [row[0] for row in sql_rows(database_url, "SELECT mark FROM rm_marks ORDER BY mark")]
    around = []
    for mark in marks[:: max(len(marks) // 6, 1)]:
        at = datetime.fromisoformat(mark.replace("Z", "+00:00"))
        around += [at - timedelta(microseconds=1), at, at + timedelta(microseconds=1)]
    return around


def paged(seeded: Seeded, where, as_of, known_at, page_size: int) -> tuple[list, list]:
    """Every page by its number, checking that each page's key for the next one (`next_after`)
    leads to the same page as the next number."""
    listings, pages, page, after = [], [], 1, None
    while page is not None:
        app = seeded.nareis.application
        answer = app.list_cases(where, page, page_size, as_of, known_at).report
        if after is not None:
            assert app.list_cases(where, page, page_size, as_of, known_at, after).report == answer
        listings += answer.cases
        pages.append(answer.counts)
        page, after = answer.next_page, answer.next_after
        assert (page is None) == (after is None)
    return listings, pages


def scanned_counts(database_url: str, as_of: date, known_at: datetime) -> dict[str, int]:
    """The deadline counts as a scan of every case and term known at `known_at` gives them."""
    k, d = sortable_instant(known_at), as_of.isoformat()
    [(cases,)] = sql_rows(database_url, "SELECT COUNT(*) FROM rm_cases WHERE opened_at <= ?", (k,))
    [(open_, expired)] = sql_rows(
        database_url,
        "SELECT COALESCE(SUM(CASE WHEN term_ends_on >= ? THEN 1 ELSE 0 END), 0), "
        "COALESCE(SUM(CASE WHEN term_ends_on < ? THEN 1 ELSE 0 END), 0) FROM rm_terms "
        "WHERE recorded_at <= ? AND (superseded_at IS NULL OR superseded_at > ?) "
        "AND granted_on <= ?",
        (d, d, k, k, d),
    )
    return {"awaiting_grant": cases - open_ - expired, "open": open_, "expired": expired}


def test_the_seeded_cases_have_many_marks_and_corrections_between_them(seeded: Seeded):
    marks = sql_rows(seeded.database_url, "SELECT COUNT(*) FROM rm_marks")[0][0]
    corrected = sql_rows(
        seeded.database_url, "SELECT COUNT(*) FROM rm_terms WHERE superseded_at IS NOT NULL"
    )[0][0]
    assert marks >= 10 and corrected >= 5, (marks, corrected)


def test_every_page_of_every_filter_equals_the_listing_read_in_one_page(seeded: Seeded):
    compared = 0
    for known_at in seeded.instants[1::3]:
        for as_of in AS_OF_DATES[1:4]:
            for where in FILTERS:
                whole, [counts] = paged(seeded, where, as_of, known_at, page_size=10_000)
                for page_size in (4, 13):
                    listings, pages = paged(seeded, where, as_of, known_at, page_size)
                    assert listings == whole, (where, as_of, known_at, page_size)
                    assert all(page_counts == counts for page_counts in pages)
                compared += len(whole)
    assert compared > 500


def test_a_page_past_the_last_is_empty_and_has_no_next_and_the_last_page_has_no_next(
    seeded: Seeded,
):
    app = seeded.nareis.application
    last = app.list_cases(CaseListFilter(), CASES // 7 + 1, 7, TODAY).report
    assert len(last.cases) == CASES % 7 and last.next_page is None
    before_last = app.list_cases(CaseListFilter(), CASES // 7, 7, TODAY).report
    assert len(before_last.cases) == 7 and before_last.next_page == CASES // 7 + 1
    past = app.list_cases(CaseListFilter(), CASES // 7 + 2, 7, TODAY).report
    assert past.cases == () and past.next_page is None
    assert past.counts == last.counts


def test_the_counts_as_known_at_any_instant_equal_a_scan_of_every_term_known_then(
    seeded: Seeded,
):
    differing = set()
    for known_at in seeded.instants:
        for as_of in AS_OF_DATES:
            counts = seeded.nareis.read_model.view.status_counts(as_of, known_at)
            scan = scanned_counts(seeded.database_url, as_of, known_at or datetime.now(UTC))
            assert counts == scan, (as_of, known_at)
            differing.add(tuple(counts.values()))
    assert len(differing) > 10, "the instants and dates hardly change the counts"
