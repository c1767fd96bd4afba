"""Settings from the environment: the only place that reads `NAREIS_*` variables."""

from __future__ import annotations

import base64
import binascii
import os
import re
import secrets
from base64 import b64decode
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from domain.errors import InvalidInput
from domain.typed_text import check_not_blank, check_typed_text


class ConfigurationError(Exception):
    """A setting that cannot be used; the message says which and why."""


class Role(StrEnum):
    CASEWORKER = "caseworker"
    AUDITOR = "auditor"


@dataclass(frozen=True)
class Principal:
    actor: str
    role: Role


DEFAULT_DATABASE_URL = "sqlite:///./nareis.db"
MASTER_KEY_BYTES = 32


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    tokens: Mapping[str, Principal] = field(default_factory=dict)
    tokens_generated: bool = False
    projection_poll_seconds: float = 1.0
    projections_in_process: bool = True
    # PostgreSQL: connections each process keeps open, and how many more it may open under load.
    database_pool_size: int = 10
    database_max_overflow: int = 20
    # HTTP: an idle connection is closed after keep_alive seconds; a request's head, and then its
    # body, must arrive within request_read seconds each; SIGTERM waits at most shutdown seconds
    # for the requests in flight.
    http_keep_alive_seconds: float = 5.0
    http_request_read_seconds: float = 30.0
    shutdown_seconds: float = 10.0
    # The key of the tamper-evident chain of stored events; None: the documented unkeyed mode.
    chain_key: bytes | None = None
    # The master key (NAREIS_ENCRYPTION_KEY), and the one `nareis rotate-key` moves to; never shown.
    encryption_key: bytes | None = field(default=None, repr=False)
    new_encryption_key: bytes | None = field(default=None, repr=False)

    @classmethod
    def from_environment(
        cls, environ: Mapping[str, str] | None = None, *, generate_token: bool = False
    ) -> Settings:
        env = os.environ if environ is None else environ
        tokens = parse_api_tokens(env.get("NAREIS_API_TOKENS", ""))
        generated = False
        if not tokens and generate_token:
            tokens = {secrets.token_urlsafe(24): Principal("caseworker", Role.CASEWORKER)}
            generated = True
        return cls(
            database_url=env.get("NAREIS_DATABASE_URL") or DEFAULT_DATABASE_URL,
            tokens=tokens,
            tokens_generated=generated,
            projection_poll_seconds=_positive_float(env, "NAREIS_PROJECTION_POLL_SECONDS", 1.0),
            projections_in_process=_projections_mode(env.get("NAREIS_PROJECTIONS", "")),
            database_pool_size=_whole_number(env, "NAREIS_DATABASE_POOL_SIZE", 10, least=1),
            database_max_overflow=_whole_number(env, "NAREIS_DATABASE_MAX_OVERFLOW", 20, least=0),
            http_keep_alive_seconds=_positive_float(env, "NAREIS_HTTP_KEEP_ALIVE_SECONDS", 5.0),
            http_request_read_seconds=_positive_float(
                env, "NAREIS_HTTP_REQUEST_READ_SECONDS", 30.0
            ),
            shutdown_seconds=_positive_float(env, "NAREIS_SHUTDOWN_SECONDS", 10.0),
            chain_key=parse_chain_key(env.get("NAREIS_CHAIN_KEY", "")),
            encryption_key=_master_key(env, "NAREIS_ENCRYPTION_KEY"),
            new_encryption_key=_master_key(env, "NAREIS_NEW_ENCRYPTION_KEY"),
        )


MIN_TOKEN_LENGTH = 16  # API.md, "Starting it"
_TOKEN = re.compile(r"[\x21-\x7e]+")  # what an Authorization header can carry, without spaces


def parse_api_tokens(value: str) -> dict[str, Principal]:
    """`TOKEN=ROLE:ACTOR,...` as in API.md, e.g. `s3cret-0123456789=caseworker:alice`. An entry
    is refused by its number, never quoted: a reversed or mistyped entry could put the token
    anywhere in it."""
    entries = [e.strip() for e in value.split(",") if e.strip()]
    tokens: dict[str, Principal] = {}
    for number, entry in enumerate(entries, start=1):
        token, principal = _token_entry(
            entry, f"NAREIS_API_TOKENS entry {number} of {len(entries)}"
        )
        if token in tokens:
            raise ConfigurationError(
                f"NAREIS_API_TOKENS entry {number} of {len(entries)} repeats the token of an "
                "earlier entry"
            )
        tokens[token] = principal
    return tokens


def _token_entry(entry: str, where: str) -> tuple[str, Principal]:
    token, _, grant = entry.partition("=")
    role, _, actor = grant.partition(":")
    if not token or not actor or role not in Role.__members__.values():
        raise ConfigurationError(
            f"{where}: expected TOKEN=ROLE:ACTOR with ROLE one of {', '.join(Role)}"
        )
    if len(token) < MIN_TOKEN_LENGTH or not _TOKEN.fullmatch(token):
        raise ConfigurationError(
            f"{where}: a token is at least {MIN_TOKEN_LENGTH} visible ASCII characters, without "
            "spaces or commas"
        )
    try:
        check_not_blank(actor, "actor")
        check_typed_text(actor, "actor")
    except InvalidInput as error:
        raise ConfigurationError(f"{where}: the actor: {error.message}") from None
    return token, Principal(actor, Role(role))


def format_api_tokens(tokens: Mapping[str, Principal]) -> str:
    """The `NAREIS_API_TOKENS` value that `parse_api_tokens` reads back as `tokens`."""
    return ",".join(f"{token}={p.role.value}:{p.actor}" for token, p in tokens.items())


def _positive_float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a number of seconds, not {raw!r}") from None
    if value <= 0:
        raise ConfigurationError(f"{name} must be positive")
    return value


def _whole_number(env: Mapping[str, str], name: str, default: int, least: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    if not raw.strip().isdigit() or int(raw) < least:
        raise ConfigurationError(f"{name} must be a whole number of at least {least}, not {raw!r}")
    return int(raw)


def _master_key(env: Mapping[str, str], name: str) -> bytes | None:
    """The base64 of 32 random bytes (`nareis keygen`); the message never shows the value."""
    raw = env.get(name, "")
    if not raw:
        return None
    try:
        key = b64decode(raw.strip(), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != MASTER_KEY_BYTES:
        raise ConfigurationError(
            f"{name} must be the base64 of {MASTER_KEY_BYTES} random bytes "
            "(make one with `nareis keygen`)"
        )
    return key


def _projections_mode(value: str) -> bool:
    mode = value.strip().lower() or "in-process"
    if mode not in ("in-process", "external"):
        raise ConfigurationError(
            f"NAREIS_PROJECTIONS must be 'in-process' (the default) or 'external', not {value!r}"
        )
    return mode == "in-process"


def parse_chain_key(value: str) -> bytes | None:
    """`NAREIS_CHAIN_KEY`: base64 of 32 random bytes (unset: None). Errors never repeat it."""
    if not value.strip():
        return None
    try:
        key = base64.b64decode(value.strip(), validate=True)
    except ValueError:
        key = b""
    if len(key) != 32:
        raise ConfigurationError(
            "NAREIS_CHAIN_KEY must be base64 of 32 random bytes, e.g. the output of "
            "python3 -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())'"
        )
    return key
