"""Thumbnails off the request path: a bounded thread pool that runs claimed jobs.

Finishing an upload schedules its image once committed. Every process also looks for
due jobs at start and every IMGHOST_THUMBNAIL_POLL_SECONDS (queue_due): jobs whose
worker died (their lease ran out) and failed jobs whose backoff ended. A job runs only
after its worker claimed it (jobs.py), so one image's thumbnails are made by one worker
at a time, across threads, processes and containers.

An image deleted while its job runs is a normal event: its derivative keys are derived
from the original's key, so the delete removes them whatever the row said, and a job
that finds the row gone when recording removes what it made.
"""

from __future__ import annotations

import enum
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from sqlalchemy.exc import SQLAlchemyError

from imghost.errors import ImghostError
from imghost.services.object_keys import derivative_key
from imghost.services.processing import jobs
from imghost.services.processing.concurrency import decode_slots
from imghost.services.processing.derivatives import make_derivatives
from imghost.services.processing.errors import Rejected
from imghost.services.storage import Storage
from imghost.settings import Settings

if TYPE_CHECKING:
    from imghost.services.metrics import Metrics

log = logging.getLogger("imghost.processing")
WEBP = "image/webp"
T = TypeVar("T")
# Bytes handed over by confirm that queued jobs may hold at once; past it a job reads
# its original back from storage (a burst of large uploads never piles up in memory).
HANDOFF_BUDGET_BYTES = 64 * 1024 * 1024
# Faults of the surroundings (an outage, a missing object): one log line, no traceback.
EXPECTED_FAULTS = (ImghostError, OSError, SQLAlchemyError)

__all__ = ["BackfillResult", "Outcome", "ThumbnailQueue", "derivative_key"]


class ActionRunner(Protocol):
    storage: Storage
    settings: Settings
    metrics: Metrics

    def call(self, action: Callable[..., T], *args: Any) -> T: ...


class Outcome(enum.Enum):
    MADE = "made"
    SKIPPED = "skipped"  # done already, held by another worker, waiting, or out of attempts
    GONE = "gone"  # the image was deleted meanwhile
    FAILED = "failed"  # logged; retried after its backoff unless it was the last attempt


@dataclass(frozen=True)
class BackfillResult:
    done: int
    failed: int


class _ImageGone(Exception):
    pass


def _reason(error: BaseException) -> str:
    if isinstance(error, ImghostError):
        return error.detail
    first_line = (str(error).strip().splitlines() or [""])[0][:200]
    return f"{type(error).__name__}: {first_line}" if first_line else type(error).__name__


class ThumbnailQueue:
    """Threads, not processes: Pillow releases the GIL while decoding, resizing and
    encoding, and the pool's size is the memory budget (see concurrency.py)."""

    def __init__(self, runner: ActionRunner, workers: int):
        self.runner = runner
        self.workers = workers
        self._executor: ThreadPoolExecutor | None = None
        self._in_flight: set[int] = set()
        self._handed: dict[int, bytes] = {}  # image id -> its stored bytes, from confirm
        self._handed_bytes = 0
        self._lock = threading.Lock()

    def _pool(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(max_workers=self.workers,
                                                    thread_name_prefix="imghost-thumbnails")
            return self._executor

    def make(self, image_id: int, any_attempt: bool = False) -> Outcome:
        """Claim, make and record one image's derivatives. Never raises: a failure is
        logged and scheduled for a retry (any_attempt: ignore the attempt limit)."""
        settings = self.runner.settings
        max_attempts = None if any_attempt else settings.thumbnail_max_attempts
        try:
            claimed = self.runner.call(jobs.claim, image_id, max_attempts)
        except Exception as error:  # the database is away: the next poll tries again
            log.warning("thumbnails for image %s not started: %s", image_id, _reason(error),
                        exc_info=not isinstance(error, EXPECTED_FAULTS))
            return Outcome.FAILED
        if claimed is None:
            return Outcome.SKIPPED
        try:
            self._produce(image_id, claimed.key, claimed.content_type)
        except Rejected as refused:
            # Confirm's own checks refuse this file: never decode it again. It keeps
            # showing its original, and the operator sees why.
            log.warning("thumbnails for image %s refused: %s (%s)", image_id, refused.detail,
                        refused.code)
            self.runner.call(jobs.give_up, image_id)
            self.runner.metrics.thumbnail_failed("given_up")
            return Outcome.FAILED
        except _ImageGone:
            log.info("image %s was deleted while its thumbnails were made; removed them", image_id)
            return Outcome.GONE
        except Exception as error:
            return self._failed(image_id, claimed, error)
        self.runner.metrics.thumbnails_made()
        return Outcome.MADE

    def _produce(self, image_id: int, key: str, content_type: str) -> None:
        storage = self.runner.storage
        data = self._take_handed(image_id)
        if data is None:
            data = storage.read(key)
        with decode_slots():  # Rejected when confirm's checks refuse the file
            made = make_derivatives(data, content_type)
        thumbnail_key = derivative_key(key, "thumb")
        storage.put(thumbnail_key, made.thumbnail, WEBP)
        display_key = None
        if made.display is not None:
            display_key = derivative_key(key, "display")
            storage.put(display_key, made.display, WEBP)
        if not self.runner.call(jobs.record, image_id, thumbnail_key, display_key,
                                made.blurhash):
            # Deleted meanwhile, and its delete may have run before these puts.
            storage.delete_many([k for k in (thumbnail_key, display_key) if k])
            raise _ImageGone

    def _failed(self, image_id: int, claimed: jobs.Claim, error: Exception) -> Outcome:
        reason = _reason(error)
        try:
            retry = self.runner.call(jobs.retry_later, image_id, claimed.attempt)
        except Exception as second:
            log.warning("thumbnails for image %s failed (%s); retried once its lease ends "
                        "(could not record the retry: %s)", image_id, reason, _reason(second))
            self.runner.metrics.thumbnail_failed("retry")
            return Outcome.FAILED
        if retry.gone:  # the original vanished with its image: nothing went wrong
            log.info("image %s was deleted before its thumbnails were made", image_id)
            return Outcome.GONE
        if retry.in_seconds is None:
            log.warning("thumbnails for image %s given up after %s attempts (%s); it shows "
                        "its original", image_id, claimed.attempt, reason)
            self.runner.metrics.thumbnail_failed("given_up")
        else:
            log.warning("thumbnails for image %s failed (attempt %s of %s: %s); retrying in %s s",
                        image_id, claimed.attempt, self.runner.settings.thumbnail_max_attempts,
                        reason, retry.in_seconds, exc_info=not isinstance(error, EXPECTED_FAULTS))
            self.runner.metrics.thumbnail_failed("retry")
        return Outcome.FAILED

    def _take_handed(self, image_id: int) -> bytes | None:
        with self._lock:
            data = self._handed.pop(image_id, None)
            if data is not None:
                self._handed_bytes -= len(data)
            return data

    def _run(self, image_id: int) -> None:
        try:
            self.make(image_id)
        finally:
            self._take_handed(image_id)  # not claimed (done elsewhere): drop it
            with self._lock:
                self._in_flight.discard(image_id)

    def schedule(self, image_id: int, data: bytes | None = None) -> bool:
        """Queue an image for thumbnails without waiting; False if it is already queued.
        data: the bytes stored at the image's key, when the caller has them (confirm),
        kept within HANDOFF_BUDGET_BYTES so the job need not read them back."""
        with self._lock:
            if image_id in self._in_flight:
                return False
            self._in_flight.add(image_id)
            if data is not None and self._handed_bytes + len(data) <= HANDOFF_BUDGET_BYTES:
                self._handed[image_id] = data
                self._handed_bytes += len(data)
        try:
            self._pool().submit(self._run, image_id)
        except RuntimeError:  # shutting down: the image stays pending for the next start
            self._take_handed(image_id)
            with self._lock:
                self._in_flight.discard(image_id)
            log.warning("thumbnails for image %s deferred: the pool is shutting down", image_id)
            return False
        return True

    def queue_due(self) -> int:
        """Queue the jobs no worker holds (at start, then every poll): unfinished ones of
        a dead or restarted process, failed ones whose backoff ended. Returns how many."""
        queued = sum(self.schedule(image_id) for image_id in self.runner.call(jobs.due))
        if queued:
            log.info("queued thumbnails for %s unfinished images", queued)
        return queued

    def backfill(self) -> BackfillResult:
        """Make every missing thumbnail now, whatever its failed attempts, with bounded
        concurrency, and wait for it (images from before the pipeline, or given up)."""
        futures = [self._pool().submit(self.make, image_id, True)
                   for image_id in self.runner.call(jobs.pending)]
        outcomes = [future.result() for future in as_completed(futures)]
        return BackfillResult(done=outcomes.count(Outcome.MADE),
                              failed=outcomes.count(Outcome.FAILED))

    def wait_until_idle(self, timeout: float = 30.0) -> bool:
        """True once nothing scheduled in this process is still running (tests, shutdown)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if not self._in_flight:
                    return True
            time.sleep(0.02)
        return False

    def shutdown(self) -> None:
        """Drop queued jobs (they stay pending in the database) and let running ones end,
        so none outlives the engine it writes through."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
