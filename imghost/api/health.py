"""GET /api/health (ready: database and storage) and /api/health/live."""

from __future__ import annotations

import asyncio
import time

from fastapi.responses import JSONResponse
from sqlalchemy import text
from starlette.concurrency import run_in_threadpool

from imghost.api.routing import api_router
from imghost.errors import ImghostError
from imghost.runtime import get_runtime

router = api_router(prefix="/api/health", tags=["health"])


def _database_status() -> str:
    try:
        with get_runtime().engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return "ok"
    except Exception:  # any failure means "not ready"; the reason is in the logs
        return "unavailable"


def _storage_status() -> str:
    try:
        get_runtime().storage.check()
        return "ok"
    except (ImghostError, OSError):
        return "unavailable"


def _check_now() -> dict:
    database, storage = _database_status(), _storage_status()
    ok = database == storage == "ok"
    return {"status": "ok" if ok else "unavailable", "database": database, "storage": storage}


class Readiness:
    """One real check (a database round trip and a storage request) answers every probe
    that arrives within `max_age` seconds of its start: load balancers and monitors
    hammering /api/health cannot turn it into load on the database and the store.

    When the last result is older than that, one probe starts a new check. While it
    runs, probes still get the previous result if it is younger than `max_stale`
    (under load a check can wait a while for the GIL, and every probe waiting for it
    would be a latency spike); older results are never served. 0.2 s is far below any probe period.
    """

    def __init__(self, max_age: float = 0.1, max_stale: float = 0.2):
        self.max_age = max_age
        self.max_stale = max_stale
        self._body: dict | None = None
        self._started = 0.0
        self._pending: asyncio.Future | None = None

    async def result(self) -> dict:
        age = time.monotonic() - self._started
        if self._body is not None and age < self.max_age:
            return self._body
        if self._pending is None:
            self._pending = asyncio.ensure_future(self._check())
        if self._body is not None and age < self.max_stale:
            return self._body
        return await asyncio.shield(self._pending)

    async def _check(self) -> dict:
        started = time.monotonic()
        try:
            body = await run_in_threadpool(_check_now)
            self._body, self._started = body, started
            return body
        finally:
            self._pending = None


readiness = Readiness()


@router.get("", responses={503: {"description": "Database or storage unreachable"}})
async def health() -> JSONResponse:
    body = await readiness.result()
    return JSONResponse(body, status_code=200 if body["status"] == "ok" else 503)


LIVE = {"status": "ok"}
LIVE_JSON = b'{"status":"ok"}'  # LIVE as the route's JSONResponse renders it


# async: no I/O here, so no hop to the thread pool.
@router.get("/live")
async def live() -> dict:
    return LIVE
