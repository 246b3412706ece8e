"""One budget for every full decode in this process, at confirm time and in the worker.

A decode of an allowed image can take up to 4 bytes x 100 megapixels; bounding how
many run at once bounds the memory a burst of uploads can take. The budget is the
process's, so it lives here once; the runtime sizes it from the settings at start.
"""

from __future__ import annotations

import threading

_slots = threading.BoundedSemaphore(3)


def set_decode_budget(slots: int) -> None:
    global _slots
    _slots = threading.BoundedSemaphore(slots)


def decode_slots() -> threading.BoundedSemaphore:
    return _slots
