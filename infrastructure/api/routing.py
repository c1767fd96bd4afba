"""The route class of every Nareis route: who may call it is decided before its body is read.

FastAPI reads and parses a request's body before it runs a route's dependencies, so a malformed body
from a caller without a token would be a 422. API.md wants the caller (401) and the role (403)
decided first: `GuardedRoute` runs the route's own guard (the `authenticated` or `caseworker`
dependency it declares) before FastAPI's handler touches the body.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from infrastructure.api.dependencies import authenticated, bearer, caseworker
from infrastructure.api.json_body import JsonBodyRequest, refuse_duplicate_keys

Guard = Callable[[Request], Coroutine[Any, Any, None]]


async def _known_caller(request: Request) -> None:
    authenticated(request, await bearer(request))


async def _caseworker_caller(request: Request) -> None:
    caseworker(authenticated(request, await bearer(request)))


def _calls_of(dependant: Dependant) -> set[Any]:
    calls = {dependant.call}
    for dependency in dependant.dependencies:
        calls |= _calls_of(dependency)
    return calls


def guard_of(dependant: Dependant) -> Guard | None:
    """The check a route's dependencies make of its caller: a caseworker, any known caller, or
    none (an open route)."""
    calls = _calls_of(dependant)
    if caseworker in calls:
        return _caseworker_caller
    if authenticated in calls:
        return _known_caller
    return None


class GuardedRoute(APIRoute):
    """An API route whose caller is checked before its body is read (API.md, "Conventions"), and
    whose JSON body is refused when an object in it names a key twice."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()
        guard = guard_of(self.dependant)
        takes_body = self.body_field is not None

        async def guarded(request: Request) -> Response:
            request = JsonBodyRequest(request.scope, request.receive)
            if guard is not None:
                await guard(request)
            if takes_body:
                await refuse_duplicate_keys(request)
            return await handle(request)

        return guarded
