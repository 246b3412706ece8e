"""GET /api/health (ready: database and storage) and /api/health/live."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from imghost.db import get_engine
from imghost.errors import ImghostError
from imghost.services.storage import get_storage

router = APIRouter(prefix="/api/health", tags=["health"])


def _database_status() -> str:
    try:
        with get_engine().connect() as connection:
            connection.execute(text("SELECT 1"))
        return "ok"
    except Exception:  # any failure means "not ready"; the reason is in the logs
        return "unavailable"


def _storage_status() -> str:
    try:
        get_storage().check()
        return "ok"
    except (ImghostError, OSError):
        return "unavailable"


@router.get("", responses={503: {"description": "Database or storage unreachable"}})
def health() -> JSONResponse:
    database, storage = _database_status(), _storage_status()
    ok = database == storage == "ok"
    return JSONResponse({"status": "ok" if ok else "unavailable", "database": database,
                         "storage": storage}, status_code=200 if ok else 503)


@router.get("/live")
def live() -> dict:
    return {"status": "ok"}
