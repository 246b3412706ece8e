"""The threads the runner gives work to: a fixed pool per kind of work.

Database work runs on at most db.POOL_SIZE threads (one per pooled connection, so
busy periods queue for a thread instead of opening overflow connections); the slow
steps of actions (whole-file checks) on settings.confirm_workers threads of their own.
Callers wait on the event loop, which costs nothing.

A lane is a queue and its threads, which settle the caller's asyncio future from the
loop's own thread: every request makes at least one hop, and this is about half the
CPU of `loop.run_in_executor` on a ThreadPoolExecutor (a concurrent Future, a work
item, the executor's thread accounting and chaining the two futures), itself cheaper
than anyio's limiter, cancel scopes and run-variables.

Waking the loop is the costly part of a hop: `call_soon_threadsafe` writes to the
loop's self-pipe, the loop reads it back, and each of these gives up the GIL, a
thread switch when other threads want it (they do, under load). So calls that finish
while the loop has not yet been woken for an earlier one join that wake-up: the loop
settles them all at once.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import Callable
from queue import SimpleQueue
from typing import Any, TypeVar

T = TypeVar("T")


class _Call:
    """One call's way back: its outcome goes to `future` (unless the caller was
    cancelled meanwhile); `waiter` is what a cancelled caller waits on instead."""

    __slots__ = ("future", "waiter", "finished")

    def __init__(self, future: asyncio.Future):
        self.future = future
        self.waiter: asyncio.Future | None = None
        self.finished = False

    def settle(self, ok: bool, value: Any) -> None:
        self.finished = True
        future = self.future
        if not future.cancelled():
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)


class ThreadLane:
    def __init__(self, size: int, name: str):
        self.size = size
        self.name = name
        self._queue: SimpleQueue = SimpleQueue()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        # Per event loop: calls finished since its wake-up was sent (see _work).
        self._finished: dict[asyncio.AbstractEventLoop, list[tuple[_Call, bool, Any]]] = {}
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
        get, lock, finished = self._queue.get, self._lock, self._finished
        while (item := get()) is not None:
            loop, call, context, fn, args = item
            del item  # hold nothing of a finished call while waiting for the next
            with lock:
                self.busy += 1
            try:
                outcome = (call, True, context.run(fn, *args))
            except BaseException as error:  # the caller gets it, as from run_in_executor
                outcome = (call, False, error)
            with lock:
                self.busy -= 1
                batch = finished.get(loop)
                wake = batch is None
                if wake:  # no wake-up of this loop pending: this call sends one
                    batch = finished[loop] = []
                batch.append(outcome)
            if wake:
                try:
                    loop.call_soon_threadsafe(self._settle_finished, loop)
                except RuntimeError:  # the caller's loop has closed: nobody is waiting
                    with lock:
                        finished.pop(loop, None)
            del loop, call, context, fn, args, outcome, batch

    def _settle_finished(self, loop: asyncio.AbstractEventLoop) -> None:
        """In the loop's thread: every call for this loop that finished since the wake-up."""
        with self._lock:
            batch = self._finished.pop(loop)
        for call, ok, value in batch:
            call.settle(ok, value)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """fn(*args) in one of the lane's threads, with the caller's context variables
        (the request id in log lines). A cancelled caller still waits until fn has
        returned: fn holds a database session that must not be used by two threads."""
        if len(self._threads) < self.size:
            self._start()
        loop = asyncio.get_running_loop()
        call = _Call(loop.create_future())
        self._queue.put((loop, call, contextvars.copy_context(), fn, args))
        try:
            return await call.future
        except asyncio.CancelledError:
            while not call.finished:
                call.waiter = loop.create_future()
                try:
                    await call.waiter
                except asyncio.CancelledError:
                    continue
            raise

    def shutdown(self) -> None:
        """The threads end once the calls queued before this have run."""
        with self._lock:
            for _ in self._threads:
                self._queue.put(None)
            self._threads = []
