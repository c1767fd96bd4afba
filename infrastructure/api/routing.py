"""The route class of every Nareis route: who may call it is decided before its body is read.

FastAPI reads and parses a request's body before it runs a route's dependencies, so a malformed body
from a caller without a token would be a 422. API.md wants the caller (401) and the role (403)
decided first: `GuardedRoute` runs the route's own guard (the `authenticated` or `caseworker`
dependency it declares) before FastAPI's handler touches the body.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute, Match, Route
from starlette.types import Scope

from infrastructure.api.dependencies import authenticated, bearer, caseworker
from infrastructure.api.json_body import JsonBodyRequest, refuse_duplicate_keys

Guard = Callable[[Request], Coroutine[Any, Any, None]]


async def _known_caller(request: Request) -> None:
    await authenticated(request, await bearer(request))


async def _caseworker_caller(request: Request) -> None:
    await caseworker(await authenticated(request, await bearer(request)))


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


METHODS = ("DELETE", "GET", "HEAD", "PATCH", "POST", "PUT")


def allowed_methods(routes: list[BaseRoute], scope: Scope) -> list[str]:
    """Every method some route answers at the path of `scope` (OPTIONS aside): what `Allow` says
    in a 405 and in the answer to OPTIONS."""
    return [
        method
        for method in METHODS
        if any(route.matches({**scope, "method": method})[0] == Match.FULL for route in routes)
    ]


async def _answer_options(request: Request) -> Response:
    allow = ", ".join(allowed_methods(request.app.router.routes, request.scope))
    return Response(status_code=204, headers={"Allow": allow})


def add_options_routes(router: APIRouter) -> None:
    """Each path of `router` answers OPTIONS with the methods it has (`Allow`), to the callers who
    may call one of them: anyone at an open path, a known token elsewhere (API.md)."""
    routes_at: dict[str, list[Route]] = {}
    for route in router.routes:
        if isinstance(route, Route):
            routes_at.setdefault(route.path, []).append(route)
    for path, routes in routes_at.items():
        guarded = any(isinstance(r, APIRoute) and guard_of(r.dependant) for r in routes)
        router.add_api_route(
            path.removeprefix(router.prefix),
            _answer_options,
            methods=["OPTIONS"],
            include_in_schema=False,
            dependencies=[Depends(authenticated)] if guarded else None,
            route_class_override=GuardedRoute,
        )
