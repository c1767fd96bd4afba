"""NAREIS_API_TOKENS (API.md, "Starting it"): tokens of at least 16 characters, and an error
about an entry never prints any part of it, since a mistyped entry may put its token anywhere."""

from __future__ import annotations

import pytest

from infrastructure.settings import ConfigurationError, Principal, Role, parse_api_tokens

TOKEN = "s3cret-token-0123"  # 17 characters
OTHER = "r3ad-token-456789"


def test_tokens_of_16_characters_or_more_name_a_role_and_an_actor() -> None:
    assert parse_api_tokens(f"{TOKEN}=caseworker:alice, {OTHER}=auditor:bob") == {
        TOKEN: Principal("alice", Role.CASEWORKER),
        OTHER: Principal("bob", Role.AUDITOR),
    }
    assert parse_api_tokens("a" * 16 + "=auditor:bob") == {"a" * 16: Principal("bob", Role.AUDITOR)}


@pytest.mark.parametrize(
    "token", ["x", "a" * 15, "short-token-15ch"[:15]], ids=["one-character", "15-a", "15-mixed"]
)
def test_a_token_shorter_than_16_characters_is_refused_without_printing_it(token: str) -> None:
    with pytest.raises(ConfigurationError) as refused:
        parse_api_tokens(f"{OTHER}=auditor:bob,{token}=caseworker:alice")
    message = str(refused.value)
    assert "entry 2 of 2" in message and "at least 16" in message
    assert token not in message.replace("NAREIS_API_TOKENS", "")


MALFORMED = {
    "no-role": f"{TOKEN}=alice",
    "unknown-role": f"{TOKEN}=admin:alice",
    "reversed": f"caseworker:alice={TOKEN}",
    "no-equals": f"{TOKEN}",
    "no-actor": f"{TOKEN}=caseworker:",
    "space-in-token": f"{TOKEN} {TOKEN}=caseworker:alice",
    "non-ascii-token": f"{TOKEN}é=caseworker:alice",
    "actor-with-escape": f"{TOKEN}=caseworker:al\x1b[31mice",
    "blank-actor": f"{TOKEN}=caseworker: \u3000",
}


@pytest.mark.parametrize("entry", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_entry_is_reported_by_its_number_without_any_character_of_its_token(
    entry: str,
) -> None:
    with pytest.raises(ConfigurationError) as refused:
        parse_api_tokens(f"{OTHER}=auditor:bob,{entry}")
    message = str(refused.value)
    assert message.startswith("NAREIS_API_TOKENS entry 2 of 2")
    # Not even the first characters of either token (the old message showed four of them).
    for token in (TOKEN, OTHER):
        assert token[:3] not in message, message
    assert "\x1b" not in message


def test_a_token_named_twice_is_refused_without_printing_it() -> None:
    with pytest.raises(ConfigurationError) as refused:
        parse_api_tokens(f"{TOKEN}=caseworker:alice,{TOKEN}=auditor:bob")
    assert "entry 2 of 2" in str(refused.value) and TOKEN[:3] not in str(refused.value)
