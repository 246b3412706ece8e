"""The yardstick: a bare FastAPI app with one health route, served by the same granian command.

imghost's own health throughput is compared with this, so the cost of Reflex's
mounting and imghost's middleware shows up as a ratio.
"""

from __future__ import annotations

from fastapi import FastAPI


def create_app() -> FastAPI:
    app = FastAPI()

    # async: the fastest a plain FastAPI route gets, so the yardstick is strict.
    @app.get("/api/health/live")
    async def live() -> dict:
        return {"status": "ok"}

    return app
