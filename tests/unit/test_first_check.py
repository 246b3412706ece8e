"""imghost/asgi.py's ApiFirst: the first readiness check runs before the pages' build
starts, and a check that hangs (a store that does not answer) delays the start by at
most FIRST_CHECK_WAIT."""

from __future__ import annotations

import asyncio
import time
from contextlib import asynccontextmanager

from imghost.asgi import ApiFirst, Lifespan
from tests.support.event_loop import run_to_end


class Pages:
    def __init__(self, events: list[str]):
        self.events = events

    def start(self) -> None:
        self.events.append("pages")

    async def stop(self) -> None:
        pass


def serve(first_check, events: list[str]) -> float:
    @asynccontextmanager
    async def prepare_server():
        events.append("prepared")
        yield

    async def main() -> float:
        app = ApiFirst(api=None, pages=Pages(events), prepare_server=prepare_server,
                       first_check=first_check)
        app.FIRST_CHECK_WAIT = 0.2
        lifespan = Lifespan(app)
        began = time.monotonic()
        await lifespan.startup()
        took = time.monotonic() - began
        await lifespan.shutdown()
        return took

    return run_to_end(main())


def test_the_first_check_runs_before_the_pages_build():
    events: list[str] = []

    async def check():
        events.append("checked")
        return {"status": "ok"}

    serve(check, events)
    assert events == ["prepared", "checked", "pages"]


def test_a_hanging_first_check_does_not_hold_the_start():
    events: list[str] = []

    async def check():
        await asyncio.sleep(30)

    assert serve(check, events) < 5
    assert events == ["prepared", "pages"]
