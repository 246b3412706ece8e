"""The threads the runner gives work to: a fixed pool per kind of work.

Database work runs on at most db.POOL_SIZE threads (one per pooled connection, so
busy periods queue for a thread instead of opening overflow connections); the slow
steps of actions (whole-file checks) on settings.confirm_workers threads of their own.
Callers wait on the event loop, which costs nothing.

A lane is a queue and its threads, which settle the caller's asyncio future straight
from the thread (call_soon_threadsafe): every request makes at least one hop, and
this is about half the CPU of `loop.run_in_executor` on a ThreadPoolExecutor (a
concurrent Future, a work item, the executor's thread accounting and chaining the
two futures), itself cheaper than anyio's limiter, cancel scopes and run-variables.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import Callable
from queue import SimpleQueue
from typing import Any, TypeVar

T = TypeVar("T")


def _settle(future: asyncio.Future, ok: bool, value: Any) -> None:
    if future.cancelled():
        return
    if ok:
        future.set_result(value)
    else:
        future.set_exception(value)


class ThreadLane:
    def __init__(self, size: int, name: str):
        self.size = size
        self.name = name
        self._queue: SimpleQueue = SimpleQueue()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self.busy = 0  # calls running in the lane's threads right now

    def _start(self) -> None:
        with self._lock:
            for number in range(len(self._threads), self.size):
                # Daemon threads, as the work they do is a unit of work that is rolled
                # back if the process ends under it; shutdown() ends them otherwise.
                thread = threading.Thread(target=self._work, name=f"{self.name}_{number}",
                                          daemon=True)
                thread.start()
                self._threads.append(thread)

    def _work(self) -> None:
        get, lock = self._queue.get, self._lock
        while (item := get()) is not None:
            loop, future, context, fn, args = item
            del item  # hold nothing of a finished call while waiting for the next
            with lock:
                self.busy += 1
            try:
                outcome = (True, context.run(fn, *args))
            except BaseException as error:  # the caller gets it, as from run_in_executor
                outcome = (False, error)
            with lock:
                self.busy -= 1
            try:
                loop.call_soon_threadsafe(_settle, future, *outcome)
            except RuntimeError:
                pass  # the caller's loop has closed: nobody is waiting any more
            del loop, future, context, fn, args, outcome

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """fn(*args) in one of the lane's threads, with the caller's context variables
        (the request id in log lines). A cancelled caller still waits until fn has
        returned: fn holds a database session that must not be used by two threads."""
        if len(self._threads) < self.size:
            self._start()
        future = asyncio.get_running_loop().create_future()
        self._queue.put((future.get_loop(), future, contextvars.copy_context(), fn, args))
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
        """The threads end once the calls queued before this have run."""
        with self._lock:
            for _ in self._threads:
                self._queue.put(None)
            self._threads = []
