"""Liveness, open to all (API.md)."""

from __future__ import annotations

from fastapi import APIRouter

from infrastructure.api.routing import add_options_routes

router = APIRouter(tags=["health"])


@router.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


add_options_routes(router)  # after every route of the module: OPTIONS answers its methods
