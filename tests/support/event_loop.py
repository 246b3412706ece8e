"""Running a coroutine to the end from a synchronous test."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor


def run_to_end(coroutine: Coroutine):
    """asyncio.run in a thread of its own: Playwright's sync API, used by other tests of
    the suite, may leave an event loop running in the test's thread, where asyncio.run
    refuses to start."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, coroutine).result()
