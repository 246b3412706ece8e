"""Stop a call that runs too long, as an ordinary test failure.

pytest-timeout interrupts a test once; inside a hypothesis test that interruption is
just a failing example, and shrinking then runs the hanging input again with no limit
left. An alarm armed around each call fails every slow run, shrinking included.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager

REPEAT = 0.05  # seconds between alarms once the limit has passed


class TookTooLong(Exception):
    """The call was still running when its time was up."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise TookTooLong in the block after `seconds` (main thread only: SIGALRM).

    The alarm repeats until the block ends: code that catches every Exception (the
    orientation reader does, for broken EXIF) cannot swallow it for good. An alarm
    armed before (pytest-timeout's signal method) is put back afterwards.
    """
    def interrupt(signum, frame):
        raise TookTooLong(f"still running after {seconds} s")

    previous_handler = signal.signal(signal.SIGALRM, interrupt)
    previous_delay, previous_interval = signal.setitimer(signal.ITIMER_REAL, seconds, REPEAT)
    started = time.monotonic()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler)
        if previous_delay:
            left = max(previous_delay - (time.monotonic() - started), 0.001)
            signal.setitimer(signal.ITIMER_REAL, left, previous_interval)
