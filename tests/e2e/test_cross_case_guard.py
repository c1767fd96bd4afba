"""The decision on a grant reads the dependent-permit index the commands keep, not the read model:
it refuses a grant for a sponsor whose V-number received a dependent permit a moment before, even
when no projection runs at all."""

from __future__ import annotations

from tests.e2e.support import (
    Api,
    Server,
    assert_problem,
    new_v_number,
    partner_body,
)


def test_a_grant_is_refused_for_a_sponsor_whose_v_number_just_got_a_dependent_permit_with_no_projection(
    server_without_projections: Server,
) -> None:
    api = Api(server_without_projections)
    try:
        shared = new_v_number()
        case_b = api.open_case(v_number=shared)
        api.grant(case_b)
        member_b = api.register(case_b)
        api.apply(case_b, member_b)
        api.complete_file(case_b, member_b)
        case_a, member_a = api.valid_case(member=partner_body(v_number=shared), complete=True)
        api.grant_member(case_a, member_a, "2026-03-10")
        api.command(
            case_a,
            f"/members/{member_a}/permit",
            {"issued_on": "2026-03-12", "valid_from": "2026-03-12"},
        )
        tracked, _ = server_without_projections.projection_position()
        assert tracked == 0  # the read model has seen nothing

        with api.nothing_recorded(case_b):
            response = api.cw.post(
                f"/cases/{case_b}/members/{member_b}/decision",
                json={"decided_on": "2026-03-20", "outcome": "granted"},
            )
            problem = assert_problem(response, 409, code="not-eligible")
            assert "sponsor_permit_independent (not_met)" in problem["detail"]
        assert api.rules_of(case_b, member_b)["sponsor_permit_independent"] == "not_met"
    finally:
        api.close()
