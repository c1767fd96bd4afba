"""The OpenAPI document states the typed-text checks as patterns; a generated client or a fuzzer
that follows them finds the server agree, character by character."""

from __future__ import annotations

import re

import pytest

from domain.errors import InvalidInput
from domain.typed_text import check_not_blank, check_typed_text
from infrastructure.api.schemas import NOT_BLANK_TYPED_TEXT_PATTERN, TYPED_TEXT_PATTERN

# Every character of the Basic Multilingual Plane, and some beyond it (CJK, emoji, the last one).
CHARACTERS = [chr(c) for c in range(0x10000)] + ["\U00020000", "\U0001f600", "\U0010ffff"]


def _passes(check, text: str) -> bool:  # type: ignore[no-untyped-def]
    try:
        check(text)
    except InvalidInput:
        return False
    return True


def test_the_typed_text_pattern_allows_exactly_the_characters_the_check_allows() -> None:
    pattern = re.compile(TYPED_TEXT_PATTERN)
    disagree = [
        f"U+{ord(c):04X}"
        for c in CHARACTERS
        if (pattern.fullmatch(c) is not None) != _passes(check_typed_text, c)
    ]
    assert disagree == []


def test_the_name_pattern_allows_exactly_the_one_character_names_the_checks_allow() -> None:
    pattern = re.compile(NOT_BLANK_TYPED_TEXT_PATTERN)

    def accepted(text: str) -> bool:
        return _passes(check_typed_text, text) and _passes(check_not_blank, text)

    disagree = [
        f"U+{ord(c):04X}" for c in CHARACTERS if (pattern.fullmatch(c) is not None) != accepted(c)
    ]
    assert disagree == []


@pytest.mark.parametrize(
    ("text", "allowed"),
    [
        ("Amal Haddad", True),
        ("  Amal  ", True),
        ("\u0645\u0647\u200c\u0631\u0627\u0646", True),
        (" \u00a0\u3000 ", False),
        ("", False),
        ("Amal\u202eB", False),
        ("Amal\tB", False),
    ],
)
def test_the_name_pattern_agrees_with_the_checks_on_whole_names(text: str, allowed: bool) -> None:
    assert (re.fullmatch(NOT_BLANK_TYPED_TEXT_PATTERN, text) is not None) == allowed
    assert (_passes(check_typed_text, text) and _passes(check_not_blank, text)) == allowed
