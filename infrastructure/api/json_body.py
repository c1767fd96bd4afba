"""A request's JSON body, parsed once, and refused when one of its objects names a key twice
(API.md: a duplicate key is bad input, never "last one wins")."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from starlette.requests import ClientDisconnect

from domain.errors import DuplicateKey


class _Object(dict[str, Any]):
    """A JSON object as parsed, which remembers the first key it was given twice."""

    twice: str | None = None


def _object_of(pairs: list[tuple[str, Any]]) -> _Object:
    found = _Object(pairs)
    if len(found) < len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                found.twice = key
                break
            seen.add(key)
    return found


def first_duplicate(value: Any) -> str | None:
    """Where the first key named twice in an object of `value` is (`sponsor.name`), if any."""
    pending: list[tuple[tuple[Any, ...], Any]] = [((), value)]
    while pending:  # not recursive: the body may nest as deep as the JSON parser allows
        path, node = pending.pop()
        if isinstance(node, _Object):
            if node.twice is not None:
                return ".".join(str(part) for part in (*path, node.twice))
            pending.extend(((*path, key), item) for key, item in reversed(node.items()))
        elif isinstance(node, list):
            pending.extend(((*path, i), item) for i, item in reversed(list(enumerate(node))))
    return None


class JsonBodyRequest(Request):
    """A request whose JSON body is parsed once, by `refuse_duplicate_keys` and FastAPI alike."""

    async def json(self) -> Any:
        if not hasattr(self, "_parsed"):
            self._parsed = json.loads(await self.body(), object_pairs_hook=_object_of)
        return self._parsed


async def refuse_duplicate_keys(request: JsonBodyRequest) -> None:
    try:
        body = await request.json()
    except (ValueError, RecursionError, ClientDisconnect):
        return  # not JSON at all: FastAPI's handler parses it again and says what is wrong
    twice = first_duplicate(body)
    if twice is not None:
        raise DuplicateKey(twice, "is given more than once in its object; no value wins")
