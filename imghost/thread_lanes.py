"""The threads the runner gives work to: a fixed pool per kind of work.

Database work runs on at most db.POOL_SIZE threads (one per pooled connection, so
busy periods queue for a thread instead of opening overflow connections); the slow
steps of actions (whole-file checks) on settings.confirm_workers threads of their own.
Callers wait on the event loop, which costs nothing. A plain executor per lane is
the cheapest hop there is (anyio's limiter, cancel scopes and run-variables around
its thread hop cost more than the token check they carried).
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


class ThreadLane:
    def __init__(self, size: int, name: str):
        self.size = size
        self._executor = ThreadPoolExecutor(size, thread_name_prefix=name)
        self._lock = threading.Lock()
        self.busy = 0  # calls running in the lane's threads right now

    def _counted(self, fn: Callable[..., T], *args: Any) -> T:
        with self._lock:
            self.busy += 1
        try:
            return fn(*args)
        finally:
            with self._lock:
                self.busy -= 1

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """fn(*args) in one of the lane's threads, with the caller's context variables
        (the request id in log lines). A cancelled caller still waits until fn has
        returned: fn holds a database session that must not be used by two threads."""
        context = contextvars.copy_context()
        future = asyncio.get_running_loop().run_in_executor(
            self._executor, context.run, self._counted, fn, *args)
        try:
            return await asyncio.shield(future)
        except asyncio.CancelledError:
            while not future.done():
                try:
                    await asyncio.wait({future})
                except asyncio.CancelledError:
                    continue
            raise

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False)
