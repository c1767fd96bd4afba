"""Settings from the environment: the only place that reads `NAREIS_*` variables."""

from __future__ import annotations

import binascii
import os
import secrets
from base64 import b64decode
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


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
            encryption_key=_master_key(env, "NAREIS_ENCRYPTION_KEY"),
            new_encryption_key=_master_key(env, "NAREIS_NEW_ENCRYPTION_KEY"),
        )


def parse_api_tokens(value: str) -> dict[str, Principal]:
    """`TOKEN=ROLE:ACTOR,...` as in API.md, e.g. `s3cret=caseworker:alice,r3ad=auditor:bob`."""
    tokens: dict[str, Principal] = {}
    for entry in (e.strip() for e in value.split(",")):
        if not entry:
            continue
        token, _, grant = entry.partition("=")
        role, _, actor = grant.partition(":")
        if not token or not actor or role not in Role.__members__.values():
            raise ConfigurationError(
                f"NAREIS_API_TOKENS entry {entry.split('=')[0][:4]}...: expected TOKEN=ROLE:ACTOR "
                f"with ROLE one of {', '.join(Role)}"
            )
        if token in tokens:
            raise ConfigurationError("NAREIS_API_TOKENS names the same token twice")
        tokens[token] = Principal(actor, Role(role))
    return tokens


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
