"""The floor of `http_append`: a bare FastAPI endpoint doing the bare library's write, served by
uvicorn like `nareis serve` (one process, plain `def` route, so the write runs in the thread
pool). `nareis bench` runs it as `uvicorn bench.bare_http:app` with BENCH_BARE_DATABASE set."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from fastapi import FastAPI

from bench.floors import BareApplication

app = FastAPI()
store = BareApplication(Path(os.environ.get("BENCH_BARE_DATABASE", "bare-http.db")))


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/streams")
def open_stream() -> dict[str, str]:
    return {"id": str(store.open_dossier("bench"))}


@app.post("/streams/{stream_id}/documents")
def receive_document(stream_id: uuid.UUID) -> dict[str, int]:
    return {"version": store.receive_document(stream_id)}
