"""One problem type per refusal reason, mapped to problem+json in one place (problems.py)."""

from __future__ import annotations

from collections import Counter

import pytest

from application.errors import (
    CaseNotErasable,
    ConcurrencyConflict,
    IdempotencyKeyReused,
    InvalidIdempotencyKey,
    InvalidIfMatch,
    VersionMismatch,
)
from domain.errors import (
    AlreadyWithdrawn,
    ArrivalAfterAsylumApplication,
    BlankText,
    CaseErased,
    DecisionPeriodAlreadyExtended,
    DuplicateKey,
    ForbiddenCharacter,
    GrantBeforeAsylumApplication,
    ImplausibleDate,
    InvalidInput,
    PartnerParentOfChildren,
    PermitAlreadyIssued,
    TooManyMembers,
    UnknownField,
    ValueNotInList,
)
from infrastructure.api.problems import (
    INPUT_ERROR_BY_TYPE,
    SCHEMA_INPUT_ERRORS,
    input_error_of,
    problem_types,
)
from infrastructure.errors import StorageUnavailable


def test_every_refusal_reason_has_a_problem_type_of_its_own() -> None:
    codes = Counter(code for code, _, _ in problem_types())
    assert [code for code, seen in codes.items() if seen > 1] == []


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (PermitAlreadyIssued, 409),
        (AlreadyWithdrawn, 409),
        (DecisionPeriodAlreadyExtended, 409),
        (PartnerParentOfChildren, 409),
        (GrantBeforeAsylumApplication, 409),
        (ValueNotInList, 422),
        (ImplausibleDate, 422),
        (ArrivalAfterAsylumApplication, 422),
        (ForbiddenCharacter, 422),
        (BlankText, 422),
        (TooManyMembers, 422),
        (DuplicateKey, 422),
        (VersionMismatch, 412),
        (ConcurrencyConflict, 409),
        (IdempotencyKeyReused, 409),
        (InvalidIfMatch, 422),
        (InvalidIdempotencyKey, 422),
        (StorageUnavailable, 503),
        (CaseErased, 410),
        (CaseNotErasable, 409),
    ],
)
def test_each_reason_is_listed_with_its_status(error: type, status: int) -> None:
    assert (error.code, status, error.title) in problem_types()


def test_the_problem_types_name_no_base_class_that_is_never_raised() -> None:
    codes = {code for code, _, _ in problem_types()}
    never_raised = {"command-refused", "already-recorded", "date-out-of-order", "not-found", "gone"}
    assert not codes & (never_raised | {"application-error", "infrastructure-error"})


@pytest.mark.parametrize(
    ("types", "reason"),
    [
        (["extra_forbidden"], UnknownField),
        (["extra_forbidden", "extra_forbidden"], UnknownField),
        (["enum"], ValueNotInList),
        (["missing"], InvalidInput),
        (["extra_forbidden", "missing"], InvalidInput),
    ],
    ids=["unknown-field", "two-unknown-fields", "enum", "missing", "mixed-reasons"],
)
def test_bad_input_found_while_parsing_gets_the_reason_all_its_errors_share(
    types: list[str], reason: type
) -> None:
    assert input_error_of([{"type": t} for t in types]) is reason


def test_the_input_checks_the_schemas_run_keep_their_problem_type() -> None:
    assert set(SCHEMA_INPUT_ERRORS) == {
        ImplausibleDate,
        ArrivalAfterAsylumApplication,
        ForbiddenCharacter,
        BlankText,
    }
    for error in SCHEMA_INPUT_ERRORS:
        assert input_error_of([{"type": error.code}]) is error
        assert INPUT_ERROR_BY_TYPE[error.code] is error
