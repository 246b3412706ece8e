"""Password hashing runs on its own few, low-priority threads.

bcrypt at cost 12 takes a large fraction of a second of CPU and releases the GIL. On
the shared default pool a burst of logins would hash on every thread at once, keep
every core busy and starve the event loop. Here at most one hash per core runs at a
time, waiting logins queue without holding a thread, and the hashing threads are
niced so the kernel gives the event loop (and every other request) a core first.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")

HASHING_THREADS = os.cpu_count() or 2
# Linux: 10 steps of niceness is roughly a tenth of the CPU share when contended.
HASHING_NICENESS = 10


def _lower_priority() -> None:
    try:  # per thread on Linux; elsewhere a no-op rather than a failure
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASHING_NICENESS)
    except (AttributeError, OSError):
        pass


@functools.lru_cache(maxsize=1)
def _executor() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(HASHING_THREADS, thread_name_prefix="imghost-bcrypt",
                              initializer=_lower_priority)


async def run_hashing(work: Callable[..., T], *args) -> T:
    """Run work (which hashes or checks a password) on the hashing threads."""
    context = contextvars.copy_context()  # keeps the request id in log lines
    return await asyncio.get_running_loop().run_in_executor(
        _executor(), functools.partial(context.run, work, *args))
