"""The one place that turns errors into RFC 9457 problem+json answers."""

from __future__ import annotations

import logging
from datetime import UTC
from typing import Any

from eventsourcing.persistence import PersistenceError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Scope

from application.errors import (
    CaseNotErasable,
    ConcurrencyConflict,
    IdempotencyKeyReused,
    VersionMismatch,
)
from domain.errors import (
    ArrivalAfterAsylumApplication,
    BlankText,
    CaseErased,
    CommandRefused,
    ForbiddenCharacter,
    Gone,
    ImplausibleDate,
    InvalidInput,
    NareisError,
    NotFound,
    UnknownField,
    ValueNotInList,
)
from infrastructure.api.request_log import current_request_id
from infrastructure.api.routing import allowed_methods
from infrastructure.errors import StorageUnavailable
from infrastructure.storage_faults import one_line, storage_fault

log = logging.getLogger("nareis.api")

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "urn:nareis:problem:"

STATUS_BY_ERROR: tuple[tuple[type[NareisError], int], ...] = (
    (InvalidInput, 422),
    (NotFound, 404),
    (Gone, 410),
    (VersionMismatch, 412),
    (CommandRefused, 409),
    (ConcurrencyConflict, 409),
    (IdempotencyKeyReused, 409),
    (StorageUnavailable, 503),
    (CaseNotErasable, 409),
)

# Bad input found while parsing the body: pydantic's error types that are a reason of their own,
# and the domain's input checks that the schemas run (their errors carry the domain's `code` as
# their type). Everything else pydantic finds is plain `InvalidInput`.
INPUT_ERROR_BY_TYPE: dict[str, type[InvalidInput]] = {
    "extra_forbidden": UnknownField,
    "enum": ValueNotInList,
}
SCHEMA_INPUT_ERRORS: tuple[type[InvalidInput], ...] = (
    ImplausibleDate,
    ArrivalAfterAsylumApplication,
    ForbiddenCharacter,
    BlankText,
)
INPUT_ERROR_BY_TYPE |= {error.code: error for error in SCHEMA_INPUT_ERRORS}

TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    408: "Request timeout",
    413: "Request too large",
    415: "Unsupported media type",
    422: "Invalid input",
    500: "Internal error",
}


def problem(
    status: int,
    detail: str,
    *,
    code: str | None = None,
    title: str | None = None,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
    more: dict[str, Any] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + (code or str(status)),
        "title": title or TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    request_id = current_request_id.get()
    if request_id is not None:
        body["request_id"] = request_id
    body |= more or {}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def status_for(error: NareisError) -> int:
    return status_of(type(error))


def status_of(kind: type[NareisError]) -> int:
    return next((status for base, status in STATUS_BY_ERROR if issubclass(kind, base)), 400)


def problem_types() -> list[tuple[str, int, str]]:
    """(code, status, title) of every reason Nareis refuses a request for: each error class that is
    raised (the leaves of the hierarchy, and `InvalidInput` for a body of the wrong shape), then
    the HTTP layer's own answers (their code is the status)."""

    def leaves(kind: type[NareisError]) -> list[type[NareisError]]:
        below = kind.__subclasses__()
        return [leaf for sub in below for leaf in leaves(sub)] if below else [kind]

    raised = [InvalidInput, *leaves(NareisError)]
    found = [(kind.code, status_of(kind), kind.title) for kind in raised]
    http = [(str(status), status, TITLES[status]) for status in (401, 403, 404, 405, 408, 413, 500)]
    return sorted(found, key=lambda t: (t[1], t[0])) + http


def _field_of(location: tuple[Any, ...]) -> str:
    parts = [str(p) for p in location]
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:] or parts
    return ".".join(parts) or "body"


def _message_of(error: dict[str, Any]) -> str:
    message = str(error.get("msg", "is invalid"))
    if error.get("type") == "extra_forbidden":
        return "is not a known field"
    if error.get("type") == "json_invalid":
        return f"the body is not valid JSON ({error.get('ctx', {}).get('error', 'syntax error')})"
    return message.removeprefix("Value error, ")


async def _on_nareis_error(request: Request, error: NareisError) -> JSONResponse:
    errors = (
        [{"field": error.field, "message": error.message}]
        if isinstance(error, InvalidInput)
        else None
    )
    return problem(
        status_for(error),
        error.detail,
        code=error.code,
        title=error.title,
        errors=errors,
        more=_erasure_of(error) if isinstance(error, CaseErased) else None,
    )


def _erasure_of(error: CaseErased) -> dict[str, str]:
    """RFC 9457 extension members of `case-erased`: when, by whom and why."""
    erased_at = error.erasure.erased_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return {
        "erased_at": erased_at,
        "erased_by": error.erasure.erased_by,
        "erasure_reason": error.erasure.erasure_reason,
    }


def input_error_of(errors: list[dict[str, Any]]) -> type[InvalidInput]:
    """The reason of a request's bad input: the one all its errors share, else `InvalidInput`."""
    reasons = {INPUT_ERROR_BY_TYPE.get(str(e.get("type")), InvalidInput) for e in errors}
    return reasons.pop() if len(reasons) == 1 else InvalidInput


async def _on_validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
    found = list(error.errors())
    errors = [
        {
            "field": "body"
            if e.get("type") == "json_invalid"
            else _field_of(tuple(e.get("loc", ()))),
            "message": _message_of(e),
        }
        for e in found
    ]
    summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
    reason = input_error_of(found)
    return problem(
        422,
        f"The request is not valid: {summary}",
        code=reason.code,
        title=reason.title,
        errors=errors,
    )


async def _on_http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
    if error.status_code == 400:
        # FastAPI's own body parser (bytes that are not UTF-8, JSON nested too deep): bad input.
        message = "the body is not valid JSON"
        return problem(
            422,
            f"The request is not valid: body: {message}",
            code="invalid-input",
            errors=[{"field": "body", "message": message}],
        )
    detail = error.detail if isinstance(error.detail, str) else TITLES.get(error.status_code, "")
    headers = getattr(error, "headers", None)
    if error.status_code == 405:
        # Starlette names the methods of the first route at the path; the path has them all.
        headers = {"Allow": ", ".join(allowed_methods(request.app.routes, request.scope))}
    return problem(error.status_code, detail, headers=headers)


def unexpected(scope: Scope, error: Exception) -> JSONResponse:
    """The answer to an error nothing else answered (the request log middleware calls it)."""
    log.error(
        "unexpected error on %s %s (request %s)",
        scope.get("method"),
        getattr(scope.get("route"), "path", "an unknown route"),
        current_request_id.get(),
        exc_info=error,
    )
    return problem(500, "An unexpected error occurred; it has been logged.")


async def _on_store_error(request: Request, error: PersistenceError) -> JSONResponse:
    """The store could not read or write now: 503, logged in one line. Answered here rather than
    as an unexpected error, whose answer closes the connection (the server re-raises after it),
    so the client's keep-alive connection stays usable for the reads that still work."""
    fault = storage_fault(error)
    if fault is None:
        return unexpected(request.scope, error)
    log.warning("%s %s: the store failed (%s)", request.method, request.url.path, one_line(error))
    return await _on_nareis_error(request, fault)


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(NareisError, _on_nareis_error)  # type: ignore[arg-type]
    app.add_exception_handler(PersistenceError, _on_store_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _on_validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _on_http_error)  # type: ignore[arg-type]


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI descriptions of the problem+json answers a route can give."""
    meanings = {
        401: "No bearer token, or an unknown one",
        403: "The caller's role may not do this",
        404: "Unknown case or member",
        409: "The rules refuse the command, a concurrent change, or a reused Idempotency-Key; "
        "nothing was recorded",
        410: "The case's personal data was erased (`case-erased`, with `erased_at`, "
        "`erased_by` and `erasure_reason`); its history remains, without it",
        412: "If-Match is not the case's current version; nothing was recorded",
        413: "The request body is larger than 1 MB",
        422: "Bad input: `errors` lists each field and what is wrong with it",
        503: "The database cannot be used now (a full disk, say); nothing was recorded",
    }
    return {
        status: {
            "model": ProblemOut,
            "description": meanings[status],
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/ProblemOut"}}},
        }
        for status in statuses
    }


def _problem_type_description() -> str:
    rows = "\n".join(f"- `{code}` ({status}): {title}" for code, status, title in problem_types())
    return (
        f"`{PROBLEM_BASE}CODE`: each reason a request is refused for has its own code. "
        f"The codes:\n{rows}"
    )


class ProblemOut(BaseModel):
    """An RFC 9457 problem: every error answer of Nareis."""

    type: str = Field(description=_problem_type_description())
    title: str
    status: int
    detail: str = Field(description="What was refused and why, for a person to read")
    errors: list[dict[str, str]] | None = Field(
        None, description="Bad input (422): `[{field, message}]`, one entry per field at fault"
    )
    request_id: str = Field(
        description="The request's id, also in the X-Request-Id header and in the server's log "
        "line of the request: quote it when asking about this answer"
    )
    erased_at: str | None = Field(None, description="`case-erased` (410): when, in UTC")
    erased_by: str | None = Field(None, description="`case-erased` (410): who erased it")
    erasure_reason: str | None = Field(None, description="`case-erased` (410): why")


def command_answered(status: int = 200, *, location: bool = False) -> dict[int | str, Any]:
    """The OpenAPI description of a command's answer: its headers (API.md, "Conventions")."""
    headers: dict[str, Any] = {
        "ETag": {
            "description": 'The case version after the command, `"N"`: send it as If-Match',
            "schema": {"type": "string", "pattern": '^"[0-9]+"$'},
        }
    }
    if location:
        headers["Location"] = {
            "description": "Where the new case is: `/cases/{case_id}`",
            "schema": {"type": "string", "format": "uri-reference"},
        }
    return {
        status: {
            "description": "Recorded (or the first answer to this Idempotency-Key)",
            "headers": headers,
        }
    }




READ_PROBLEMS = problem_responses(401, 404, 422, 503)
COMMAND_PROBLEMS = problem_responses(401, 403, 404, 409, 410, 412, 413, 422, 503)
ERASED_PROBLEM = problem_responses(410)
