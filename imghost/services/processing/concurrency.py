"""One budget for every full decode in this process, at confirm time and in the worker.

A decode of an allowed image can take up to 4 bytes x 100 megapixels; bounding how
many run at once bounds the memory a burst of uploads can take.
"""

from __future__ import annotations

import functools
import threading

from imghost.settings import get_settings


@functools.lru_cache(maxsize=1)
def decode_slots() -> threading.BoundedSemaphore:
    # One more slot than thumbnail threads: a backlog (restart, backfill) can never hold
    # every slot, so an upload's confirm always finds one within a job's time.
    return threading.BoundedSemaphore(get_settings().processing_workers + 1)
