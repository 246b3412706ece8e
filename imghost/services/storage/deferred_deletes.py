"""Deletes nobody waits for, sent in batches: one DeleteObjects for many keys.

Confirm drops the staging object once the image is recorded. Nothing reads that key
again (a bucket lifecycle rule expires any that survive), so the delete need not be
one request per confirm, nor run on the thread that answers the client: keys wait up
to `delay` seconds, then one thread sends them all in one request. A boto3 call costs
~1.5-2 ms of CPU here whatever it carries, so under load this is one call per batch
instead of one per confirm.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger("imghost.storage")

# How long a key waits for others to share its request.
DELAY_SECONDS = 0.5


class DeferredDeletes:
    def __init__(self, delete_many: Callable[[list[str]], None], *,
                 delay: float = DELAY_SECONDS, max_batch: int = 1000):
        self._delete_many = delete_many
        self._delay = delay
        self._max_batch = max_batch
        self._cond = threading.Condition()
        self._keys: list[str] = []
        self._sending = 0  # keys handed to delete_many and not back yet
        self._hurry = False
        self._thread: threading.Thread | None = None

    def add(self, key: str) -> None:
        """Delete key within about `delay` seconds; a failure is logged, never raised."""
        with self._cond:
            self._keys.append(key)
            if self._thread is None or not self._thread.is_alive():
                # Started on first use: a forked worker process starts its own.
                self._thread = threading.Thread(target=self._run, name="imghost-deletes",
                                                daemon=True)
                self._thread.start()
            self._cond.notify_all()

    def flush(self, timeout: float = 30.0) -> bool:
        """Send what waits now and wait until it is sent (shutdown, tests)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            self._hurry = True
            self._cond.notify_all()
            while self._keys or self._sending:
                left = deadline - time.monotonic()
                if left <= 0 or self._thread is None:
                    return False
                self._cond.wait(left)
            self._hurry = False
            return True

    def _next_batch(self) -> list[str]:
        with self._cond:
            while not self._keys:
                self._cond.wait()
            deadline = time.monotonic() + self._delay
            while len(self._keys) < self._max_batch and not self._hurry:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
            batch, self._keys = self._keys[:self._max_batch], self._keys[self._max_batch:]
            self._sending = len(batch)
            return batch

    def _run(self) -> None:
        while True:
            batch = self._next_batch()
            try:
                self._delete_many(batch)
            except Exception:
                log.warning("could not delete %s staging object(s) (first: %s); the bucket's "
                            "lifecycle rule will expire them", len(batch), batch[0],
                            exc_info=True)
            finally:
                with self._cond:
                    self._sending = 0
                    self._cond.notify_all()
