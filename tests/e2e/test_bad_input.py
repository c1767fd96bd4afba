"""Bad input is a 422 problem (API.md, "Conventions"), never a 5xx, and records nothing.

Every request here is sent to a real case (or to `POST /cases`), and afterwards the case's version,
its history and the number of events in the whole store are unchanged.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.support import (
    SUBMITTED_ON,
    Api,
    assert_problem,
    child_body,
    parent_body,
    partner_body,
    sponsor_body,
)

# Where each command goes, and a body it accepts (the base that each bad request spoils).
PATHS = {
    "open case": ("POST", "/cases"),
    "correct sponsor": ("PUT", "/cases/{case_id}/sponsor"),
    "sponsor permit": ("POST", "/cases/{case_id}/sponsor-permit"),
    "register partner": ("POST", "/cases/{case_id}/members"),
    "register child": ("POST", "/cases/{case_id}/members"),
    "register parent": ("POST", "/cases/{case_id}/members"),
    "correct member": ("PUT", "/cases/{case_id}/members/{member_id}"),
    "arrival": ("POST", "/cases/{case_id}/members/{member_id}/arrival"),
    "application": ("POST", "/cases/{case_id}/members/{member_id}/application"),
    "document": ("POST", "/cases/{case_id}/members/{member_id}/documents"),
    "assessment": ("POST", "/cases/{case_id}/members/{member_id}/assessments"),
    "decision": ("POST", "/cases/{case_id}/members/{member_id}/decision"),
    "permit": ("POST", "/cases/{case_id}/members/{member_id}/permit"),
    "withdrawal": ("POST", "/cases/{case_id}/members/{member_id}/withdrawal"),
    "extension": ("POST", "/cases/{case_id}/members/{member_id}/decision-period-extension"),
}
VALID: dict[str, dict[str, Any]] = {
    "open case": {"sponsor": sponsor_body(v_number="7888888888")},
    "correct sponsor": sponsor_body(v_number="7888888887", correction_reason="typo"),
    "sponsor permit": {"granted_on": "2025-12-01", "permit_kind": "dependent"},
    "register partner": partner_body(),
    "register child": child_body(),
    "register parent": parent_body(),
    "correct member": partner_body(name="Samir B.", correction_reason="typo"),
    "arrival": {"arrived_on": "2026-02-20"},
    "application": {"submitted_on": "2026-02-26", "channel": "in_netherlands"},
    "document": {"received_on": SUBMITTED_ON, "kind": "other", "official": False},
    "assessment": {
        "assessed_on": SUBMITTED_ON,
        "criterion": "identity_established",
        "outcome": "met",
        "note": "",
    },
    "decision": {"decided_on": "2026-03-10", "outcome": "refused", "grounds": ["timely"]},
    "permit": {"issued_on": "2026-03-12", "valid_from": "2026-03-10"},
    "withdrawal": {"withdrawn_on": "2026-03-01", "reason": "stays"},
    "extension": {"extended_on": "2026-03-01", "reason": "investigation"},
}
DATE_FIELDS = {
    "open case": ["sponsor.born_on", "sponsor.asylum_application_signed_on", "sponsor.arrived_on"],
    "correct sponsor": ["born_on", "arrived_on"],
    "sponsor permit": ["granted_on"],
    "register partner": ["born_on"],
    "correct member": ["born_on"],
    "arrival": ["arrived_on"],
    "application": ["submitted_on"],
    "document": ["received_on"],
    "assessment": ["assessed_on"],
    "decision": ["decided_on"],
    "permit": ["issued_on", "valid_from"],
    "withdrawal": ["withdrawn_on"],
    "extension": ["extended_on"],
}
BAD_DATES = {
    "30-february": "2026-02-30",
    "29-february-in-a-common-year": "2025-02-29",
    "month-13": "2026-13-01",
    "month-0": "2026-00-10",
    "day-32": "2026-01-32",
    "two-digit-year": "26-01-01",
    "empty": "",
    "slashes": "2026/01/01",
    "no-zero-padding": "2026-1-1",
    "day-month-year": "01-02-2026",
    "with-a-time": "2026-01-01T00:00:00Z",
    "leading-space": " 2026-01-01",
    "a-word": "yesterday",
    "a-number": 20260101,
    "a-float": 2026.01,
    "a-boolean": True,
    "a-list": ["2026-01-01"],
    "an-object": {"year": 2026, "month": 1, "day": 1},
    "null": None,
}
# Every bad date goes to a few fields (one per kind of command); the others get the core cases.
EVERY_BAD_DATE_FOR = {
    ("open case", "sponsor.born_on"),
    ("sponsor permit", "granted_on"),
    ("register partner", "born_on"),
    ("document", "received_on"),
    ("permit", "valid_from"),
}
CORE_BAD_DATES = {"30-february", "month-13", "two-digit-year", "empty", "a-number", "null"}
UNKNOWN_VALUE = "__unknown__"


@pytest.fixture(scope="module")
def target(module_api: Api) -> tuple[str, str]:
    """One case with a granted sponsor and a partner who applied, for every bad request."""
    return module_api.valid_case()


def _set(body: dict[str, Any], dotted: str, value: Any) -> dict[str, Any]:
    spoiled = copy.deepcopy(body)
    *parents, last = dotted.split(".")
    node = spoiled
    for key in parents:
        node = node[key]
    if value is UNKNOWN_VALUE:
        del node[last]
    else:
        node[last] = value
    return spoiled


def _rename(body: dict[str, Any], dotted: str, new_name: str) -> dict[str, Any]:
    spoiled = copy.deepcopy(body)
    *parents, last = dotted.split(".")
    node = spoiled
    for key in parents:
        node = node[key]
    node[new_name] = node.pop(last)
    return spoiled


INVALID = "invalid-input"  # the body does not have the contract's shape
UNKNOWN_FIELD = "unknown-field"
NOT_IN_LIST = "value-not-in-list"
RELATIONSHIP_FIELDS = "relationship-fields"
IMPLAUSIBLE = "implausible-date"
SPONSOR_DATES = ["born_on", "asylum_application_signed_on", "arrived_on"]


def _send_bad(
    api: Api, target: tuple[str, str], command: str, body: Any, field: str | None, code: str
) -> dict[str, Any]:
    case_id, member_id = target
    method, path = PATHS[command]
    url = path.format(case_id=case_id, member_id=member_id)
    with api.nothing_recorded(None if command == "open case" else case_id):
        response = api.cw.request(method, url, json=body)
        return assert_problem(response, 422, field, code=code)


def _cases(table: dict[str, list[tuple[Any, ...]]], code: str = INVALID) -> list[Any]:
    """Rows (label, body, field) or (label, body, field, code): `code` is the default type."""
    return [
        pytest.param(command, entry[1], entry[2], (*entry, code)[3], id=f"{command}-{entry[0]}")
        for command, entries in table.items()
        for entry in entries
    ]


# --- impossible and badly written dates --------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "field", "value"),
    [
        pytest.param(command, field, value, id=f"{command}-{field}-{label}")
        for command, fields in DATE_FIELDS.items()
        for field in fields
        for label, value in BAD_DATES.items()
        if (command, field) in EVERY_BAD_DATE_FOR or label in CORE_BAD_DATES
    ],
)
def test_a_date_that_is_not_a_real_yyyy_mm_dd_string_is_422(
    api: Api, target: tuple[str, str], command: str, field: str, value: Any
) -> None:
    body = _set(VALID[command], field, value)
    _send_bad(api, target, command, body, field, INVALID)


@pytest.mark.parametrize(
    ("command", "field"),
    [
        pytest.param(command, field, id=f"{command}-{field}")
        for command, fields in {**DATE_FIELDS, "correct sponsor": SPONSOR_DATES}.items()
        for field in fields
    ],
)
def test_an_implausible_date_is_422(
    api: Api, target: tuple[str, str], command: str, field: str
) -> None:
    """DOMAIN.md "Settled questions": a birth date on or after 1900-01-01 and every other date on
    or after 2001-04-01 (the Vreemdelingenwet 2000 in force)."""
    day = "1899-12-31" if field.endswith("born_on") else "2001-03-31"
    problem = _send_bad(api, target, command, _set(VALID[command], field, day), field, IMPLAUSIBLE)
    assert day in problem["detail"]


def test_the_earliest_plausible_dates_are_accepted(api: Api) -> None:
    case_id = api.open_case(
        born_on="1900-01-01", asylum_application_signed_on="2001-04-01", arrived_on="2001-04-01"
    )
    api.grant(case_id, "2001-04-01")
    member_id = api.register(case_id, parent_body(born_on="1900-01-01"))
    api.command(
        case_id,
        f"/members/{member_id}/documents",
        {"received_on": "2001-04-01", "kind": "other", "official": False},
    )


@pytest.mark.parametrize(
    ("command", "field"),
    [("open case", "sponsor.arrived_on"), ("correct sponsor", "arrived_on")],
    ids=["open-case", "correct-sponsor"],
)
def test_a_sponsor_who_arrived_after_signing_the_asylum_application_is_422(
    api: Api, target: tuple[str, str], command: str, field: str
) -> None:
    body = _set(VALID[command], field, "2025-06-03")  # signed on 2025-06-02
    _send_bad(api, target, command, body, field, "arrival-after-asylum-application")


def test_a_sponsor_who_signed_on_the_day_of_arrival_is_accepted(api: Api) -> None:
    api.open_case(asylum_application_signed_on="2025-06-02", arrived_on="2025-06-02")


@pytest.mark.parametrize("query", ["deadline", "eligibility"])
@pytest.mark.parametrize(
    "as_of", [v for v in BAD_DATES.values() if isinstance(v, str) and v], ids=str
)
def test_an_as_of_that_is_not_a_real_date_is_422(
    api: Api, target: tuple[str, str], query: str, as_of: str
) -> None:
    case_id, _ = target
    response = api.cw.get(f"/cases/{case_id}/{query}", params={"as_of": as_of})
    assert_problem(response, 422, "as_of", code=INVALID)


# --- unknown and misspelt fields ------------------------------------------------------------------------

MISSPELT = {
    "open case": [
        (
            "sponsor-v_numbr",
            _rename(VALID["open case"], "sponsor.v_number", "v_numbr"),
            "sponsor.v_numbr",
            INVALID,
        ),
        ("sponsors", _rename(VALID["open case"], "sponsor", "sponsors"), "sponsors", INVALID),
        (
            "extra-sponsor-field",
            _set(VALID["open case"], "sponsor.nationality", "SY"),
            "sponsor.nationality",
        ),
        ("extra-top-level", VALID["open case"] | {"sponsor_permit": None}, "sponsor_permit"),
    ],
    "correct sponsor": [
        (
            "correction_reasons",
            _rename(VALID["correct sponsor"], "correction_reason", "correction_reasons"),
            "correction_reasons",
        ),
    ],
    "sponsor permit": [
        (
            "granted_at",
            _rename(VALID["sponsor permit"], "granted_on", "granted_at"),
            "granted_at",
            INVALID,
        ),
        (
            "permitKind",
            _rename(VALID["sponsor permit"], "permit_kind", "permitKind"),
            "permitKind",
            INVALID,
        ),
        (
            "correction_reasons",
            VALID["sponsor permit"] | {"correction_reasons": "x"},
            "correction_reasons",
        ),
    ],
    "register partner": [
        (
            "martial_status",
            _rename(VALID["register partner"], "marital_status", "martial_status"),
            "martial_status",
        ),
        ("vnumber", VALID["register partner"] | {"vnumber": "7000000000"}, "vnumber"),
        ("member_id", VALID["register partner"] | {"member_id": "chosen-by-me"}, "member_id"),
    ],
    "register child": [
        ("childOf", _rename(VALID["register child"], "child_of", "childOf"), "childOf"),
    ],
    "correct member": [
        (
            "correction-reason",
            _rename(VALID["correct member"], "correction_reason", "correction-reason"),
            "correction-reason",
        ),
    ],
    "arrival": [("arrival_on", {"arrival_on": "2026-02-20"}, "arrival_on", INVALID)],
    "application": [
        (
            "submited_on",
            _rename(VALID["application"], "submitted_on", "submited_on"),
            "submited_on",
            INVALID,
        ),
        ("chanel", _rename(VALID["application"], "channel", "chanel"), "chanel", INVALID),
    ],
    "document": [
        (
            "recieved_on",
            _rename(VALID["document"], "received_on", "recieved_on"),
            "recieved_on",
            INVALID,
        ),
        ("offical", _rename(VALID["document"], "official", "offical"), "offical", INVALID),
    ],
    "assessment": [
        ("notes", _rename(VALID["assessment"], "note", "notes"), "notes"),
        ("critera", _rename(VALID["assessment"], "criterion", "critera"), "critera", INVALID),
    ],
    "decision": [
        ("ground", _rename(VALID["decision"], "grounds", "ground"), "ground"),
        ("reason", VALID["decision"] | {"reason": "x"}, "reason"),
    ],
    "permit": [
        ("valid_form", _rename(VALID["permit"], "valid_from", "valid_form"), "valid_form", INVALID),
        ("valid_until", VALID["permit"] | {"valid_until": "2031-03-10"}, "valid_until"),
    ],
    "withdrawal": [
        ("reasons", _rename(VALID["withdrawal"], "reason", "reasons"), "reasons", INVALID)
    ],
    "extension": [
        (
            "extended_at",
            _rename(VALID["extension"], "extended_on", "extended_at"),
            "extended_at",
            INVALID,
        ),
    ],
}


@pytest.mark.parametrize(("command", "body", "field", "code"), _cases(MISSPELT, UNKNOWN_FIELD))
def test_an_unknown_or_misspelt_field_is_422_never_silently_ignored(
    api: Api, target: tuple[str, str], command: str, body: dict, field: str | None, code: str
) -> None:
    problem = _send_bad(api, target, command, body, field, code)
    assert any(e["message"] for e in problem["errors"])


def test_a_misspelt_field_is_named_in_the_problem(api: Api, target: tuple[str, str]) -> None:
    body = _rename(VALID["open case"], "sponsor.v_number", "v_numbr")
    # Two reasons (an unknown field and a missing one): the problem is plain bad input.
    problem = _send_bad(api, target, "open case", body, "sponsor.v_numbr", INVALID)
    assert "sponsor.v_numbr" in problem["detail"]
    assert "sponsor.v_number" in problem["detail"]


# --- missing required fields ----------------------------------------------------------------------------

REQUIRED = {
    "open case": ["sponsor", *(f"sponsor.{k}" for k in sponsor_body())],
    "correct sponsor": list(sponsor_body()),
    "sponsor permit": ["granted_on", "permit_kind"],
    "register partner": [*partner_body()],
    "register child": [*child_body()],
    "register parent": [*parent_body()],
    "correct member": [*partner_body()],
    "arrival": ["arrived_on"],
    "application": ["submitted_on", "channel"],
    "document": ["received_on", "kind", "official"],
    "assessment": ["assessed_on", "criterion", "outcome"],
    "decision": ["decided_on", "outcome"],
    "permit": ["issued_on", "valid_from"],
    "withdrawal": ["withdrawn_on", "reason"],
    "extension": ["extended_on", "reason"],
}


@pytest.mark.parametrize(
    ("command", "field"),
    [
        pytest.param(command, field, id=f"{command}-without-{field}")
        for command, fields in REQUIRED.items()
        for field in fields
    ],
)
def test_a_missing_required_field_is_422_naming_it(
    api: Api, target: tuple[str, str], command: str, field: str
) -> None:
    body = _set(VALID[command], field, UNKNOWN_VALUE)
    # The fields of one relationship are optional in the body; the relationship requires them.
    relationship_field = field in ("marital_status", "child_of", "child_kind", "parent_kind")
    _send_bad(
        api, target, command, body, field, RELATIONSHIP_FIELDS if relationship_field else INVALID
    )


# --- wrong JSON types ------------------------------------------------------------------------------------

WRONG_TYPES = {
    "open case": [
        ("sponsor-as-a-string", {"sponsor": "Amal"}, "sponsor"),
        ("sponsor-as-a-list", {"sponsor": [sponsor_body()]}, "sponsor"),
        ("sponsor-null", {"sponsor": None}, "sponsor"),
        (
            "unaccompanied_minor-string-false",
            _set(VALID["open case"], "sponsor.unaccompanied_minor", "false"),
            "sponsor.unaccompanied_minor",
        ),
        (
            "unaccompanied_minor-0",
            _set(VALID["open case"], "sponsor.unaccompanied_minor", 0),
            "sponsor.unaccompanied_minor",
        ),
        (
            "unaccompanied_minor-null",
            _set(VALID["open case"], "sponsor.unaccompanied_minor", None),
            "sponsor.unaccompanied_minor",
        ),
        (
            "v_number-as-a-number",
            _set(VALID["open case"], "sponsor.v_number", 7123456789),
            "sponsor.v_number",
        ),
        ("name-as-a-number", _set(VALID["open case"], "sponsor.name", 42), "sponsor.name"),
        ("name-as-a-list", _set(VALID["open case"], "sponsor.name", ["Amal"]), "sponsor.name"),
        ("name-null", _set(VALID["open case"], "sponsor.name", None), "sponsor.name"),
    ],
    "sponsor permit": [
        (
            "permit_kind-true",
            _set(VALID["sponsor permit"], "permit_kind", True),
            "permit_kind",
            NOT_IN_LIST,
        ),
        (
            "correction_reason-a-number",
            VALID["sponsor permit"] | {"correction_reason": 1},
            "correction_reason",
        ),
    ],
    "register partner": [
        (
            "mentioned-yes",
            _set(VALID["register partner"], "mentioned_in_asylum_procedure", "yes"),
            "mentioned_in_asylum_procedure",
        ),
        (
            "mentioned-1",
            _set(VALID["register partner"], "mentioned_in_asylum_procedure", 1),
            "mentioned_in_asylum_procedure",
        ),
        (
            "family_bond_abroad-string-true",
            _set(VALID["register partner"], "family_bond_abroad", "true"),
            "family_bond_abroad",
        ),
        (
            "family_bond_abroad-null",
            _set(VALID["register partner"], "family_bond_abroad", None),
            "family_bond_abroad",
        ),
        ("v_number-as-a-number", VALID["register partner"] | {"v_number": 7123456789}, "v_number"),
        ("name-as-an-object", _set(VALID["register partner"], "name", {"first": "Samir"}), "name"),
    ],
    "application": [
        ("channel-a-number", _set(VALID["application"], "channel", 1), "channel", NOT_IN_LIST)
    ],
    "document": [
        ("official-string-true", _set(VALID["document"], "official", "true"), "official"),
        ("official-string-1", _set(VALID["document"], "official", "1"), "official"),
        ("official-1", _set(VALID["document"], "official", 1), "official"),
        ("official-0", _set(VALID["document"], "official", 0), "official"),
        ("official-null", _set(VALID["document"], "official", None), "official"),
        ("kind-a-list", _set(VALID["document"], "kind", ["other"]), "kind", NOT_IN_LIST),
    ],
    "assessment": [
        ("note-a-number", _set(VALID["assessment"], "note", 5), "note"),
        ("note-null", _set(VALID["assessment"], "note", None), "note"),
    ],
    "decision": [
        ("grounds-a-string", _set(VALID["decision"], "grounds", "timely"), "grounds"),
        ("grounds-numbers", _set(VALID["decision"], "grounds", [1]), "grounds.0", NOT_IN_LIST),
        ("grounds-an-object", _set(VALID["decision"], "grounds", {"timely": True}), "grounds"),
        ("grounds-null", _set(VALID["decision"], "grounds", None), "grounds"),
    ],
    "withdrawal": [
        ("reason-a-number", _set(VALID["withdrawal"], "reason", 1), "reason"),
        ("reason-a-list", _set(VALID["withdrawal"], "reason", ["stays"]), "reason"),
    ],
    "extension": [("reason-null", _set(VALID["extension"], "reason", None), "reason")],
}


@pytest.mark.parametrize(("command", "body", "field", "code"), _cases(WRONG_TYPES))
def test_a_value_of_the_wrong_json_type_is_422_not_coerced(
    api: Api, target: tuple[str, str], command: str, body: dict, field: str, code: str
) -> None:
    _send_bad(api, target, command, body, field, code)


# --- values outside the lists of DOMAIN.md ---------------------------------------------------------------

ENUMS = {
    "sponsor permit": [("permit_kind", v) for v in ("permanent", "Independent", "", 1, None)],
    "register partner": [("relationship", v) for v in ("sibling", "Partner", "spouse", "", None)]
    + [("marital_status", v) for v in ("divorced", "Married", "")],
    "register child": [("child_of", v) for v in ("parent", "both", "")]
    + [("child_kind", v) for v in ("step", "Biological", "")],
    "register parent": [("parent_kind", v) for v in ("grandparent", "step", "")],
    "application": [("channel", v) for v in ("post", "mvv", "MVV_ABROAD", "", None)],
    "document": [
        ("kind", v) for v in ("passport", "IDENTITY_DOCUMENT", "identity document", "", None)
    ],
    "assessment": [("criterion", v) for v in ("good_conduct", "identity", "", None)]
    + [("outcome", v) for v in ("unknown", "not_applicable", "granted", "", None)],
    "decision": [("outcome", v) for v in ("postponed", "granted ", "met", "", None)]
    + [("grounds", v) for v in (["not_a_rule"], ["timely", "nope"], [""], ["TIMELY"])],
}


@pytest.mark.parametrize(
    ("command", "field", "value"),
    [
        pytest.param(command, field, value, id=f"{command}-{field}-{json.dumps(value)}")
        for command, entries in ENUMS.items()
        for field, value in entries
    ],
)
def test_a_value_outside_the_domain_lists_is_422(
    api: Api, target: tuple[str, str], command: str, field: str, value: Any
) -> None:
    body = _set(VALID[command], field, value)
    problem = _send_bad(api, target, command, body, None, NOT_IN_LIST)
    assert any(e["field"].split(".")[0] == field for e in problem["errors"]), problem


# --- relationship-specific fields, and other combinations that cannot be --------------------------------

RELATIONSHIP_SHAPES = {
    "register partner": [
        ("partner-with-child_of", partner_body(child_of="sponsor"), "child_of"),
        ("partner-with-child_kind", partner_body(child_kind="biological"), "child_kind"),
        ("partner-with-parent_kind", partner_body(parent_kind="biological"), "parent_kind"),
        ("partner-without-marital_status", partner_body(marital_status=None), "marital_status"),
    ],
    "register child": [
        ("child-with-marital_status", child_body(marital_status="married"), "marital_status"),
        ("child-with-parent_kind", child_body(parent_kind="other"), "parent_kind"),
        ("child-without-child_of", child_body(child_of=None), "child_of"),
        ("child-without-child_kind", child_body(child_kind=None), "child_kind"),
        (
            "child-of-a-partner-without-partner_member_id",
            child_body(child_of="partner"),
            "partner_member_id",
        ),
        (
            "child-of-sponsor-and-partner-without-partner_member_id",
            child_body(child_of="sponsor_and_partner"),
            "partner_member_id",
        ),
        (
            "child-of-the-sponsor-naming-a-partner",
            child_body(partner_member_id="00000000-0000-4000-8000-000000000000"),
            "partner_member_id",
        ),
        (
            "child-naming-an-unknown-partner",
            child_body(child_of="partner", partner_member_id="00000000-0000-4000-8000-0000000000"),
            "partner_member_id",
            "not-a-partner-member",
        ),
    ],
    "register parent": [
        ("parent-with-child_of", parent_body(child_of="sponsor"), "child_of"),
        ("parent-with-marital_status", parent_body(marital_status="married"), "marital_status"),
        ("parent-with-child_kind", parent_body(child_kind="adoptive"), "child_kind"),
        ("parent-without-parent_kind", parent_body(parent_kind=None), "parent_kind"),
    ],
    "correct member": [
        (
            "partner-corrected-with-child_of",
            partner_body(child_of="sponsor", correction_reason="x"),
            "child_of",
        ),
    ],
    "decision": [
        (
            "refusal-without-grounds",
            {"decided_on": "2026-03-10", "outcome": "refused"},
            "grounds",
            "grounds-required",
        ),
        (
            "refusal-with-empty-grounds",
            {"decided_on": "2026-03-10", "outcome": "refused", "grounds": []},
            "grounds",
            "grounds-required",
        ),
    ],
}


@pytest.mark.parametrize(
    ("command", "body", "field", "code"), _cases(RELATIONSHIP_SHAPES, RELATIONSHIP_FIELDS)
)
def test_fields_that_do_not_fit_the_relationship_or_outcome_are_422(
    api: Api, target: tuple[str, str], command: str, body: dict, field: str, code: str
) -> None:
    _send_bad(api, target, command, body, field, code)


def test_a_child_naming_a_member_who_is_not_a_partner_is_422(api: Api) -> None:
    case_id, _ = api.valid_case()
    child_id = api.register(case_id, child_body())
    with api.nothing_recorded(case_id):
        response = api.cw.post(
            f"/cases/{case_id}/members",
            json=child_body(child_of="partner", partner_member_id=child_id),
        )
        assert_problem(response, 422, "partner_member_id", code="not-a-partner-member")


# --- V-numbers and string sizes -------------------------------------------------------------------------

BAD_V_NUMBERS = {
    "9-digits": "712345678",
    "11-digits": "71234567890",
    "letters": "71234abcde",
    "with-a-space": "71234 67890",
    "with-a-dash": "7123-456789",
    "leading-space": " 7123456789",
    "trailing-newline": "7123456789\n",
    "empty": "",
    "arabic-indic-digits": "\u0667\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669",
    "fullwidth-digits": "\uff17\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19",
}


@pytest.mark.parametrize("value", BAD_V_NUMBERS.values(), ids=BAD_V_NUMBERS.keys())
@pytest.mark.parametrize(
    ("command", "field"),
    [
        pytest.param("open case", "sponsor.v_number", id="sponsor"),
        pytest.param("correct sponsor", "v_number", id="sponsor-correction"),
        pytest.param("register partner", "v_number", id="member"),
    ],
)
def test_a_v_number_that_is_not_ten_ascii_digits_is_422(
    api: Api, target: tuple[str, str], command: str, field: str, value: str
) -> None:
    _send_bad(api, target, command, _set(VALID[command], field, value), field, INVALID)


HUGE = "x" * 100_000


@pytest.mark.parametrize(
    ("command", "field"),
    [
        pytest.param("open case", "sponsor.name", id="sponsor-name"),
        pytest.param("correct sponsor", "correction_reason", id="sponsor-correction-reason"),
        pytest.param("register partner", "name", id="member-name"),
        pytest.param("assessment", "note", id="assessment-note"),
        pytest.param("withdrawal", "reason", id="withdrawal-reason"),
        pytest.param("extension", "reason", id="extension-reason"),
    ],
)
def test_a_string_of_100_000_characters_is_422(
    api: Api, target: tuple[str, str], command: str, field: str
) -> None:
    _send_bad(api, target, command, _set(VALID[command], field, HUGE), field, INVALID)


@pytest.mark.parametrize(
    ("command", "field"),
    [
        pytest.param("open case", "sponsor.name", id="sponsor-name"),
        pytest.param("register partner", "name", id="member-name"),
        pytest.param("withdrawal", "reason", id="withdrawal-reason"),
        pytest.param("extension", "reason", id="extension-reason"),
    ],
)
def test_an_empty_name_or_reason_is_422(
    api: Api, target: tuple[str, str], command: str, field: str
) -> None:
    _send_bad(api, target, command, _set(VALID[command], field, ""), field, "blank-text")


# --- bodies that are not a JSON object ------------------------------------------------------------------

RAW_BODIES = {
    "malformed-json": (b'{"received_on": "2026-02-27", kind: other}', "application/json"),
    "truncated-json": (b'{"received_on": "2026-02-27", "kind": "oth', "application/json"),
    "trailing-garbage": (
        b'{"received_on": "2026-02-27", "kind": "other", "official": false} x',
        "application/json",
    ),
    "empty-body": (b"", "application/json"),
    "whitespace-body": (b"   ", "application/json"),
    "json-array": (b'[{"received_on": "2026-02-27"}]', "application/json"),
    "json-null": (b"null", "application/json"),
    "json-number": (b"42", "application/json"),
    "json-string": (b'"a document"', "application/json"),
    "nan-as-date": (
        b'{"received_on": NaN, "kind": "other", "official": false}',
        "application/json",
    ),
    "text-plain-content-type": (
        b'{"received_on": "2026-02-27", "kind": "other", "official": false}',
        "text/plain",
    ),
    "form-content-type": (
        b"received_on=2026-02-27&kind=other&official=false",
        "application/x-www-form-urlencoded",
    ),
    "xml-content-type": (b"<document kind='other'/>", "application/xml"),
    "invalid-utf-8": (
        b'{"received_on": "2026-02-27", "kind": "\xff\xfe", "official": false}',
        "application/json",
    ),
    "deeply-nested-json": (b"[" * 100_000 + b"]" * 100_000, "application/json"),
}


@pytest.mark.parametrize(("content", "content_type"), RAW_BODIES.values(), ids=RAW_BODIES.keys())
def test_a_body_that_is_not_a_json_object_is_422(
    api: Api, target: tuple[str, str], content: bytes, content_type: str
) -> None:
    case_id, member_id = target
    with api.nothing_recorded(case_id):
        response = api.cw.post(
            f"/cases/{case_id}/members/{member_id}/documents",
            content=content,
            headers={"Content-Type": content_type},
        )
        assert_problem(response, 422, code=INVALID)


@pytest.mark.parametrize(("content", "content_type"), RAW_BODIES.values(), ids=RAW_BODIES.keys())
def test_opening_a_case_with_a_body_that_is_not_a_json_object_is_422(
    api: Api, content: bytes, content_type: str
) -> None:
    with api.nothing_recorded(None):
        response = api.cw.post("/cases", content=content, headers={"Content-Type": content_type})
        assert_problem(response, 422, code=INVALID)


def test_a_body_over_1_mb_is_413_and_the_server_keeps_serving(
    api: Api, target: tuple[str, str]
) -> None:
    case_id, member_id = target
    body = json.dumps({"received_on": SUBMITTED_ON, "kind": "other", "pad": "x" * 1_100_000})
    with api.nothing_recorded(case_id):
        response = api.cw.post(
            f"/cases/{case_id}/members/{member_id}/documents",
            content=body.encode(),
            headers={"Content-Type": "application/json"},
        )
        assert_problem(response, 413, code="413")
    assert api.cw.get("/health").status_code == 200


def test_a_streamed_body_over_1_mb_without_a_length_is_413(
    api: Api, target: tuple[str, str]
) -> None:
    case_id, _ = target

    def chunks() -> Iterator[bytes]:
        yield b'{"sponsor": {"name": "'
        for _ in range(24):
            yield b"x" * 50_000
        yield b'"}}'

    with api.nothing_recorded(case_id):
        response = api.cw.post(
            "/cases", content=chunks(), headers={"Content-Type": "application/json"}
        )
        assert "content-length" not in {k.lower() for k in response.request.headers}
        assert_problem(response, 413, code="413")
    assert api.cw.get("/health").status_code == 200


# --- command headers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "if_match",
    ["abc", "1.0", "-1", "v1", "W/", "1, 2", "99999999999999999999", "", '"1', "W/1", '1"'],
    ids=[
        "word",
        "decimal",
        "negative",
        "prefixed",
        "weak-without-version",
        "a-list",
        "20-digits",
        "empty",
        "unclosed-quote",
        "weak-without-quotes",
        "closing-quote-only",
    ],
)
def test_an_if_match_that_is_not_a_version_is_422(
    api: Api, target: tuple[str, str], if_match: str
) -> None:
    case_id, member_id = target
    with api.nothing_recorded(case_id):
        response = api.cw.post(
            f"/cases/{case_id}/members/{member_id}/documents",
            json=VALID["document"],
            headers={"If-Match": if_match},
        )
        assert_problem(response, 422, "If-Match", code="invalid-if-match")


@pytest.mark.parametrize(
    "key", ["", "with space", "k" * 201], ids=["empty", "with-a-space", "201-characters"]
)
def test_an_idempotency_key_that_is_not_1_to_200_visible_characters_is_422(
    api: Api, target: tuple[str, str], key: str
) -> None:
    case_id, member_id = target
    with api.nothing_recorded(case_id):
        response = api.cw.post(
            f"/cases/{case_id}/members/{member_id}/documents",
            json=VALID["document"],
            headers={"Idempotency-Key": key},
        )
        assert_problem(response, 422, "Idempotency-Key", code="invalid-idempotency-key")


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("", {"sponsor": sponsor_body(name="   ")}, "sponsor.name"),
        ("/members", partner_body(name=" \u00a0\u3000 "), "name"),
    ],
    ids=["sponsor-name-of-spaces", "member-name-of-unicode-spaces"],
)
def test_a_name_of_only_white_space_is_422(
    api: Api, target: tuple[str, str], path: str, body: dict, field: str
) -> None:
    case_id, _ = target
    url = "/cases" if path == "" else f"/cases/{case_id}{path}"
    with api.nothing_recorded(case_id):
        assert_problem(api.cw.post(url, json=body), 422, field, code="blank-text")


# --- text a person typed (DOMAIN.md "Settled questions") ------------------------------------------

NOT_TYPED = {
    "nul": "\x00",
    "esc": "\x1b",
    "tab": "\t",
    "newline": "\n",
    "carriage-return": "\r",
    "del": "\x7f",
    "c1-next-line": "\x85",
    "c1-csi": "\x9b",
    "lre": "\u202a",
    "rlo": "\u202e",
    "lri": "\u2066",
    "pdi": "\u2069",
    "lrm": "\u200e",
    "rlm": "\u200f",
    "alm": "\u061c",
    "lone-high-surrogate": "\ud800",
    "lone-low-surrogate": "\udfff",
}
CORE_NOT_TYPED = ("nul", "newline", "rlo", "lone-high-surrogate")
TYPED_TEXT_FIELDS = {
    ("open case", "sponsor.name"),
    ("correct sponsor", "name"),
    ("correct sponsor", "correction_reason"),
    ("register partner", "name"),
    ("register child", "partner_member_id"),  # an id, but text a client sent all the same
    ("correct member", "name"),
    ("correct member", "correction_reason"),
    ("application", "correction_reason"),
    ("assessment", "note"),
    ("withdrawal", "reason"),
    ("extension", "reason"),
}
EVERY_CHARACTER_FOR = {("register partner", "name"), ("assessment", "note")}


def _send_raw_json(api: Api, target: tuple[str, str], command: str, body: dict) -> Any:
    """Sent as ASCII JSON (`\\ud800` escapes), as a client may: a lone surrogate cannot be UTF-8."""
    case_id, member_id = target
    method, path = PATHS[command]
    url = path.format(case_id=case_id, member_id=member_id)
    content = json.dumps(body, ensure_ascii=True).encode()
    return api.cw.request(
        method, url, content=content, headers={"Content-Type": "application/json"}
    )


@pytest.mark.parametrize(
    ("command", "field", "character"),
    [
        pytest.param(command, field, character, id=f"{command}-{field}-{label}")
        for command, field in sorted(TYPED_TEXT_FIELDS)
        for label, character in NOT_TYPED.items()
        if (command, field) in EVERY_CHARACTER_FOR or label in CORE_NOT_TYPED
    ],
)
def test_a_name_note_or_reason_with_a_character_a_person_does_not_type_is_422(
    api: Api, target: tuple[str, str], command: str, field: str, character: str
) -> None:
    body = _set(VALID[command], field, f"Samir{character} B.")
    if command == "application":
        body = body | {"submitted_on": "2026-02-20"}  # other values: a correction
    with api.nothing_recorded(None if command == "open case" else target[0]):
        response = _send_raw_json(api, target, command, body)
        problem = assert_problem(response, 422, field, code="forbidden-character")
        assert f"U+{ord(character):04X}" in problem["detail"]


@pytest.mark.parametrize("character", ["\n", "\r\n", "\t"], ids=["newline", "crlf", "tab"])
def test_a_note_is_one_line_without_tabs(api: Api, target: tuple[str, str], character: str) -> None:
    # DOMAIN.md refuses every C0 control character ("except none"): tab and newline included.
    note = f"passport checked{character}photo matches"
    body = _set(VALID["assessment"], "note", note)
    _send_bad(api, target, "assessment", body, "note", "forbidden-character")


@pytest.mark.parametrize(
    "name",
    ["أمل حداد", "Zoë Ñúñez-O'Brien", "\u0645\u0647\u200c\u0631\u0627\u0646", "Ngọc Ánh"],
    ids=["arabic", "latin-accents", "persian-with-zwnj", "vietnamese"],
)
def test_a_name_in_any_script_is_accepted(api: Api, name: str) -> None:
    case_id = api.open_case(name=name)
    member_id = api.register(case_id, partner_body(name=name))
    assert api.case(case_id)["sponsor"]["name"] == name
    assert api.member(case_id, member_id)["name"] == name


# --- duplicate keys ---------------------------------------------------------------------------------


def _with_key_twice(body: dict[str, Any], dotted: str, second: Any) -> bytes:
    """`body` as JSON text in which the object holding `dotted` names its key twice: first with
    the value `body` has, then with `second` (json.dumps cannot write such an object)."""
    *parents, last = dotted.split(".")
    marker = "__written_twice__"
    spoiled = _rename(body, dotted, marker)
    text = json.dumps(spoiled)
    node = body
    for part in parents:
        node = node[part]
    both = f"{json.dumps(last)}: {json.dumps(node[last])}, {json.dumps(last)}: {json.dumps(second)}"
    return text.replace(f'"{marker}": {json.dumps(node[last])}', both).encode()


DUPLICATED = {
    "open case": ("sponsor.name", "Mallory"),
    "correct sponsor": ("v_number", "7000000001"),
    "sponsor permit": ("permit_kind", "independent"),
    "register partner": ("relationship", "child"),
    "arrival": ("arrived_on", "2026-02-21"),
    "document": ("kind", "identity_document"),
    "assessment": ("outcome", "not_met"),
    "decision": ("outcome", "granted"),
    "withdrawal": ("reason", "another reason"),
}


@pytest.mark.parametrize("same_value", [False, True], ids=["other-value", "same-value"])
@pytest.mark.parametrize(("command", "field"), [(c, f) for c, (f, _) in DUPLICATED.items()])
def test_a_body_that_names_a_key_twice_is_422_naming_it_whichever_value_would_win(
    api: Api, target: tuple[str, str], command: str, field: str, same_value: bool
) -> None:
    case_id, member_id = target
    method, path = PATHS[command]
    node = VALID[command]
    for part in field.split("."):
        node = node[part]
    body = _with_key_twice(VALID[command], field, node if same_value else DUPLICATED[command][1])
    with api.nothing_recorded(None if command == "open case" else case_id):
        response = api.cw.request(
            method,
            path.format(case_id=case_id, member_id=member_id),
            content=body,
            headers={"Content-Type": "application/json"},
        )
        problem = assert_problem(response, 422, field, code="duplicate-key")
    assert problem["errors"] == [{"field": field, "message": problem["errors"][0]["message"]}]


def test_a_key_named_twice_deep_inside_an_unknown_field_is_422_too(
    api: Api, target: tuple[str, str]
) -> None:
    body = b'{"arrived_on": "2026-02-20", "extra": [{"a": 1}, {"b": 1, "b": 2}]}'
    case_id, member_id = target
    with api.nothing_recorded(case_id):
        response = api.cw.post(
            f"/cases/{case_id}/members/{member_id}/arrival",
            content=body,
            headers={"Content-Type": "application/json"},
        )
        assert_problem(response, 422, "extra.1.b", code="duplicate-key")
