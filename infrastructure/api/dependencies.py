"""What every route needs: the caller (bearer token and role), the application, and the command
context: the caller, `If-Match` and `Idempotency-Key` (API.md, "Conventions"); a command route
records its command through `Record`.

Every dependency here is `async def`: none does I/O, and FastAPI runs a plain `def` dependency in
its thread pool, a hop to a thread and back for each of them on each request (19% of the Python
CPU of a command over HTTP). The routes that call the (synchronous) application stay plain `def`,
so the application's work, which does I/O, runs in the thread pool, never on the event loop."""

from __future__ import annotations

import hmac
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import Depends, Header, HTTPException, Query, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from application.commands import Command
from application.errors import InvalidIdempotencyKey, InvalidIfMatch
from application.service import CommandContext, NareisApplication
from infrastructure.api import mapping, schemas
from infrastructure.api.schemas import IsoDate, IsoInstant
from infrastructure.settings import Principal, Role

bearer = HTTPBearer(auto_error=False, description="A token from NAREIS_API_TOKENS")
# What the command headers may hold, as enforced here and as the OpenAPI document states it (one
# pattern each, so that generated clients and fuzzers agree with the server). The server has
# already trimmed spaces and tabs around a header's value; a client may still send them.
IF_MATCH_PATTERN = r'^[ \t]*(\*|[0-9]{1,18}|(W/)?"[0-9]{1,18}")[ \t]*$'
IDEMPOTENCY_KEY_PATTERN = r"^[ \t]*[\x21-\x7e]{1,200}[ \t]*$"
_IF_MATCH = re.compile(IF_MATCH_PATTERN)
_IDEMPOTENCY_KEY = re.compile(IDEMPOTENCY_KEY_PATTERN)


def _optional_header(pattern: str) -> Callable[[dict[str, Any]], None]:
    """The schema of an optional header: a string of `pattern` (absent, not null, when unsent)."""

    def shape(schema: dict[str, Any]) -> None:
        schema.pop("anyOf", None)
        schema.update(type="string", pattern=pattern)

    return shape


def find_principal(tokens: Mapping[str, Principal], presented: str) -> Principal | None:
    found = None
    for token, principal in tokens.items():
        # Compare every token in constant time, so timing does not reveal a near miss.
        if hmac.compare_digest(token.encode(), presented.encode()):
            found = principal
    return found


async def authenticated(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    challenge = {"WWW-Authenticate": "Bearer"}
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(401, "A bearer token is required.", headers=challenge)
    principal = find_principal(request.app.state.tokens, credentials.credentials)
    if principal is None:
        raise HTTPException(401, "The bearer token is not known.", headers=challenge)
    return principal


async def reader(principal: Annotated[Principal, Depends(authenticated)]) -> Principal:
    return principal


async def caseworker(principal: Annotated[Principal, Depends(authenticated)]) -> Principal:
    if principal.role != Role.CASEWORKER:
        raise HTTPException(403, f"The role {principal.role} may read but not record.")
    return principal


async def application(request: Request) -> NareisApplication:
    return request.app.state.nareis.application


def parse_if_match(value: str | None) -> int | None:
    """The version `If-Match` expects: None without one, or with `*` (any version)."""
    if value is None:
        return None
    found = _IF_MATCH.fullmatch(value)
    if found is None:
        raise InvalidIfMatch("If-Match", 'expected a case version: N, "N" or W/"N"')
    expected = found.group(1)
    return None if expected == "*" else int(expected.removeprefix("W/").strip('"'))


async def command_context(
    principal: Annotated[Principal, Depends(caseworker)],
    if_match: Annotated[
        str | None,
        Header(
            description='Expected case version: N, "N" or W/"N" (`*`: any)',
            json_schema_extra=_optional_header(IF_MATCH_PATTERN),
        ),
    ] = None,
    idempotency_key: Annotated[
        str | None,
        Header(
            description="Re-sending the same key and command returns the first answer: 1 to "
            "200 visible ASCII characters",
            json_schema_extra=_optional_header(IDEMPOTENCY_KEY_PATTERN),
        ),
    ] = None,
) -> CommandContext:
    if idempotency_key is not None and not _IDEMPOTENCY_KEY.fullmatch(idempotency_key):
        raise InvalidIdempotencyKey("Idempotency-Key", "1 to 200 visible ASCII characters")
    key = None if idempotency_key is None else idempotency_key.strip(" \t")
    return CommandContext(principal.actor, parse_if_match(if_match), key)


class CommandRecorder:
    """Records a command with the caller's context and answers its result (the version also as the
    response's `ETag`)."""

    def __init__(self, app: NareisApplication, context: CommandContext, response: Response):
        self._app, self._context, self._response = app, context, response

    def __call__(self, command: Command) -> schemas.CommandOut:
        return mapping.command_answer(self._app.execute(command, self._context), self._response)


async def command_recorder(
    app: Annotated[NareisApplication, Depends(application)],
    context: Annotated[CommandContext, Depends(command_context)],
    response: Response,
) -> CommandRecorder:
    return CommandRecorder(app, context, response)


async def as_of_date(
    as_of: Annotated[
        IsoDate | None,
        Query(description="Business date YYYY-MM-DD; default today in Europe/Amsterdam"),
    ] = None,
) -> date | None:
    return as_of


async def known_at_instant(
    known_at: Annotated[
        IsoInstant | None,
        Query(
            description="Instant (RFC 3339): answer with only what was recorded at or before it; "
            "default now"
        ),
    ] = None,
) -> datetime | None:
    return known_at


Caseworker = Annotated[Principal, Depends(caseworker)]
Reader = Annotated[Principal, Depends(reader)]
App = Annotated[NareisApplication, Depends(application)]
Context = Annotated[CommandContext, Depends(command_context)]
AsOf = Annotated[date | None, Depends(as_of_date)]
KnownAt = Annotated[datetime | None, Depends(known_at_instant)]
Record = Annotated[CommandRecorder, Depends(command_recorder)]
