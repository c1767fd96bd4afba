"""The dependent-permit index on a real SQLite file: the decision on a grant reads it, so it holds
with no projection running; a V-number correction moves a holder; a database from before the
index gets it built when opened; `replay --verify` checks it."""

from __future__ import annotations

from datetime import date

import pytest

from application.commands import (
    CorrectMemberDetails,
    GrantSponsorPermit,
    OpenCase,
    ReceiveDocument,
    RegisterMember,
    SubmitApplication,
    TakeDecision,
)
from application.permit_index import (
    case_holdings,
    expected_by_v_number,
    rebuild_permit_index,
    stored_holdings,
)
from application.seeding import CaseGenerator
from application.service import NareisApplication
from application.verification import verify
from domain.errors import CaseNotFound, GrantRequiresEligibility
from domain.permit_index import DependentPermitIndex, Holding
from infrastructure.composition import Nareis
from infrastructure.persistence import environment_for
from tests.integration.conftest import (
    CTX,
    FULL_FILE,
    D,
    FixedClock,
    a_partner,
    a_sponsor,
    events_table,
    granted_member_case,
    notification_id_column,
    open_system,
    record_granted_member,
    sql_rows,
)

HOLDER = "2000000001"  # the V-number of a partner who receives a dependent permit on 2026-03-12
OTHER = "2999999999"


def sponsor_ready_for_a_grant(app: NareisApplication, v_number: str) -> tuple[str, str]:
    """A case of the sponsor `v_number` whose partner is eligible but for the sponsor's permit."""
    case_id = app.execute(OpenCase(a_sponsor(v_number)), CTX).case_id
    app.execute(GrantSponsorPermit(case_id, D("2026-01-15"), "independent"), CTX)
    member_id = app.execute(RegisterMember(case_id, a_partner()), CTX).member_id
    assert member_id is not None
    app.execute(SubmitApplication(case_id, member_id, D("2026-02-27"), "mvv_abroad"), CTX)
    for kind in FULL_FILE:
        app.execute(ReceiveDocument(case_id, member_id, D("2026-02-27"), kind, True), CTX)
    return case_id, member_id


def grant(app: NareisApplication, case_id: str, member_id: str, decided_on: str) -> None:
    app.execute(TakeDecision(case_id, member_id, D(decided_on), "granted"), CTX)


def assert_grant_refused(app: NareisApplication, case_id: str, member_id: str, on: str) -> None:
    version = app.get_case(case_id).version
    with pytest.raises(GrantRequiresEligibility) as refused:
        grant(app, case_id, member_id, on)
    assert "sponsor_permit_independent (not_met)" in refused.value.detail
    assert app.get_case(case_id).version == version


def test_a_sponsor_whose_v_number_just_got_a_dependent_permit_is_refused_a_grant_with_no_projection(
    nareis: Nareis,
):
    app = nareis.application
    case_id, member_id = sponsor_ready_for_a_grant(app, HOLDER)
    granted_member_case(nareis, member_v_number=HOLDER)  # the permit, a moment ago
    # The read model has not seen it: no projection ran.
    assert not nareis.read_model.view.holds_dependent_permit(HOLDER, D("2026-03-20"))
    assert nareis.read_model.view.max_tracking_id(app.name) is None

    assert_grant_refused(app, case_id, member_id, "2026-03-20")


def test_the_index_answers_as_of_the_decision_date(nareis: Nareis):
    app = nareis.application
    case_id, member_id = sponsor_ready_for_a_grant(app, HOLDER)
    granted_member_case(nareis, member_v_number=HOLDER)  # permit issued on 2026-03-12
    grant(app, case_id, member_id, "2026-03-11")  # before the permit: the sponsor was independent
    assert app.get_case(case_id).facts.members[0].is_granted


def test_a_corrected_v_number_moves_the_holder_to_the_new_numbers_index(nareis: Nareis):
    app = nareis.application
    holder_case, holder = granted_member_case(nareis, member_v_number=HOLDER)
    app.execute(
        CorrectMemberDetails(holder_case, holder, a_partner(OTHER), correction_reason="misread"),
        CTX,
    )

    assert stored_holdings(app) == {
        OTHER: frozenset({Holding(OTHER, holder_case, holder, D("2026-03-12"))}),
    }
    case_id, member_id = sponsor_ready_for_a_grant(app, OTHER)
    assert_grant_refused(app, case_id, member_id, "2026-03-20")
    freed_case, freed_member = sponsor_ready_for_a_grant(app, HOLDER)
    grant(app, freed_case, freed_member, "2026-03-20")


def test_a_v_number_given_to_a_holder_after_the_permit_puts_them_in_its_index(nareis: Nareis):
    app = nareis.application
    holder_case, holder = granted_member_case(nareis, member_v_number=None)
    assert stored_holdings(app) == {}
    app.execute(
        CorrectMemberDetails(
            holder_case, holder, a_partner(HOLDER), correction_reason="V-number known"
        ),
        CTX,
    )
    assert stored_holdings(app) == {
        HOLDER: frozenset({Holding(HOLDER, holder_case, holder, D("2026-03-12"))})
    }
    app.execute(
        CorrectMemberDetails(holder_case, holder, a_partner(None), correction_reason="not hers"),
        CTX,
    )
    assert stored_holdings(app) == {}  # an index that holds nothing is as good as none


def test_the_index_events_are_saved_with_the_permit_and_before_it_in_the_log(
    nareis: Nareis, database_url
):
    granted_member_case(nareis, member_v_number=HOLDER)
    last_two = sql_rows(
        database_url,
        f"SELECT topic FROM {events_table(database_url)} "
        f"ORDER BY {notification_id_column(database_url)} DESC LIMIT 2",
    )
    assert [topic.rsplit(".", 1)[-1] for (topic,) in last_two] == [
        "PermitIssued",
        "DependentPermitRecorded",
    ]


def test_an_index_is_no_case(nareis: Nareis):
    app = nareis.application
    granted_member_case(nareis, member_v_number=HOLDER)
    index_id = str(DependentPermitIndex.create_id(HOLDER))
    with pytest.raises(CaseNotFound):
        app.get_case(index_id)
    with pytest.raises(CaseNotFound):
        app.history(index_id)
    with pytest.raises(CaseNotFound):
        app.execute(ReceiveDocument(index_id, "m", D("2026-03-01"), "other", True), CTX)


class NoIndex:
    """What the commands kept before the index existed: nothing."""

    def holds_dependent_permit(self, v_number: str, on: date) -> bool:
        return False

    def updates(self, before: frozenset, after: frozenset) -> list:
        return []

    def grant_reading(self, v_number: str) -> NoIndex:
        return self

    def noted(self, case_id: str, member_id: str, decided_on: date) -> list:
        return []


def database_from_before_the_index(database_url: str) -> None:
    old = NareisApplication(
        environment_for(database_url), clock=FixedClock(), permit_index=NoIndex()
    )
    record_granted_member(old, HOLDER)
    old.close()


def event_count(database_url: str) -> int:
    [(count,)] = sql_rows(database_url, f"SELECT COUNT(*) FROM {events_table(database_url)}")
    return count


def test_a_database_from_before_the_index_gets_it_built_from_the_cases_when_opened(database_url):
    database_from_before_the_index(database_url)
    system = open_system(database_url)
    app = system.application
    case_id, member_id = sponsor_ready_for_a_grant(app, HOLDER)
    assert_grant_refused(app, case_id, member_id, "2026-03-20")
    system.close()

    events = event_count(database_url)
    again = open_system(database_url)  # built once: opening again records nothing
    assert rebuild_permit_index(again.application) == 0
    again.close()
    assert event_count(database_url) == events


def verified(nareis: Nareis) -> list:
    nareis.catch_up()
    return verify(
        nareis.application, nareis.read_model.view, nareis.scratch_read_model(), D("2026-11-28")
    )


def test_verify_finds_an_index_entry_the_cases_do_not_support_and_a_rebuild_removes_it(
    nareis: Nareis,
):
    app = nareis.application
    holder_case, holder = granted_member_case(nareis, member_v_number=HOLDER)
    assert verified(nareis) == []
    bogus = DependentPermitIndex(OTHER)
    bogus.record(Holding(OTHER, holder_case, holder, D("2026-03-12")))
    app.save(bogus)

    [difference] = verified(nareis)
    assert (difference.view, difference.key, difference.rebuilt) == ("permit_index", OTHER, [])
    assert rebuild_permit_index(app) == 1
    assert verified(nareis) == []


def test_generated_cases_are_saved_with_their_index_entries(nareis: Nareis):
    app = nareis.application
    cases = list(CaseGenerator(seed=3, today=date(2026, 11, 28)).cases(300))
    app.save_new_cases(*cases[:150])
    app.save_new_cases(*cases[150:])
    expected = expected_by_v_number(h for case in cases for h in case_holdings(case))
    assert expected  # some generated members hold a permit under a V-number
    assert stored_holdings(app) == expected
    assert rebuild_permit_index(app) == 0


def test_verify_reports_no_difference_for_a_permit_the_projection_has_not_caught_up_with(
    nareis: Nareis,
):
    app = nareis.application
    sponsor_ready_for_a_grant(app, HOLDER)
    nareis.catch_up()
    granted_member_case(nareis, member_v_number=HOLDER)  # not projected yet
    stored = nareis.read_model.view
    assert stored.max_tracking_id(app.name) < app.recorder.max_notification_id()  # type: ignore[operator]

    differences = verify(app, stored, nareis.scratch_read_model(), D("2026-11-28"))
    assert [d.view for d in differences] == []
