"""Any other path under /ui: a page that says so, in words (the API's paths answer problem+json)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from infrastructure.ui.pages import render, session_if_any

router = APIRouter(prefix="/ui", include_in_schema=False)


@router.get("/{path:path}", response_class=HTMLResponse)
async def page_not_found(path: str, request: Request) -> Response:
    return render(
        request,
        "refused.html",
        session_if_any(request),
        404,
        title="Page not found",
        detail=f"There is no page /ui/{path}. The work queue lists every case.",
    )
