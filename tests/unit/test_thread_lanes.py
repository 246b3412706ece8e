"""The runner's thread lanes: results, errors, context, and cancellation that waits."""

from __future__ import annotations

import asyncio
import contextvars
import threading
import time

import pytest

from imghost.thread_lanes import ThreadLane
from tests.support.event_loop import run_to_end

REQUEST = contextvars.ContextVar("request", default="none")


def _run(main):
    return run_to_end(main())


@pytest.fixture
def lane():
    made = ThreadLane(2, "test-lane")
    yield made
    made.shutdown()


def test_results_errors_and_context_cross_the_hop(lane):
    async def main():
        REQUEST.set("r-1")
        seen = await lane.run(lambda: (REQUEST.get(), threading.current_thread().name))
        with pytest.raises(ZeroDivisionError):
            await lane.run(lambda: 1 / 0)
        return seen

    value, thread = _run(main)
    assert value == "r-1"
    assert thread.startswith("test-lane")


def test_a_cancelled_caller_waits_until_the_work_is_done(lane):
    """The work holds a database session: the request may not move on (close it, hand
    it to another thread) while a thread still uses it."""
    finished = threading.Event()

    def work():
        time.sleep(0.3)
        finished.set()

    async def main():
        task = asyncio.create_task(lane.run(work))
        await asyncio.sleep(0.05)
        task.cancel()
        await asyncio.sleep(0)
        task.cancel()  # cancelled again meanwhile (as anyio's cancel scopes do)
        with pytest.raises(asyncio.CancelledError):
            await task
        return finished.is_set()

    assert _run(main) is True


def test_at_most_size_calls_run_at_once(lane):
    peak = 0

    def work():
        nonlocal peak
        peak = max(peak, lane.busy)
        time.sleep(0.05)

    async def main():
        await asyncio.gather(*(lane.run(work) for _ in range(6)))

    _run(main)
    assert peak == 2
    assert lane.busy == 0


def test_a_lane_outlives_a_closed_loop_and_ends_on_shutdown():
    """Work still running when its caller's loop closed (a test's asyncio.run, a
    worker stopping) must not kill the thread: the next caller is served."""
    lane = ThreadLane(1, "test-closed")
    started = threading.Event()

    async def leave_running():
        asyncio.get_running_loop().call_later(0.05, started.set)
        asyncio.ensure_future(lane.run(time.sleep, 0.3))
        await asyncio.sleep(0.1)

    _run(leave_running)  # the loop closes with the sleep still in the lane's thread
    assert started.is_set()

    async def next_caller():
        return await lane.run(lambda: threading.current_thread().name)

    assert _run(next_caller).startswith("test-closed")
    threads = list(lane._threads)
    lane.shutdown()
    for thread in threads:
        thread.join(timeout=5)
        assert not thread.is_alive()
