"""Routes made from a table: where routes differ only in data, each row is a route and one
function of the router's makes the endpoint of every row."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter


@dataclass(frozen=True)
class TableRoute:
    """Where a row's route is, and its name and description: what a route function's name and
    docstring would say."""

    path: str
    name: str
    description: str

    def add(
        self,
        router: APIRouter,
        method: str,
        endpoint: Callable[..., Any],
        response_model: Any,
        responses: dict[int | str, dict[str, Any]] | None = None,
    ) -> None:
        router.add_api_route(
            self.path,
            endpoint,
            methods=[method],
            name=self.name,
            description=self.description,
            response_model=response_model,
            responses=responses,
        )
