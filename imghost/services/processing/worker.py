"""Thumbnails off the request path: a bounded thread pool, and a picker for unfinished work.

An image without a thumbnail_key is pending. Finishing an upload schedules it once
committed; if the process dies first, resume_pending() (at every server start) and
backfill() (the `imghost backfill-thumbnails` command) pick it up again. Making
thumbnails twice is harmless: the keys are derived from the original's key and the
row update is conditional, so the last writer writes the same thing.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from sqlalchemy import update
from sqlmodel import select

from imghost.models import Image
from imghost.services.context import Context
from imghost.services.processing.concurrency import decode_slots
from imghost.services.processing.derivatives import make_derivatives
from imghost.services.storage import Storage

log = logging.getLogger("imghost.processing")
WEBP = "image/webp"
T = TypeVar("T")


class ActionRunner(Protocol):
    storage: Storage

    def call(self, action: Callable[..., T], *args: Any) -> T: ...


@dataclass(frozen=True)
class BackfillResult:
    done: int
    failed: int


def derivative_key(original_key: str, suffix: str) -> str:
    """`7/ab..ef.jpg` -> `7/ab..ef_thumb.webp`: next to the original, same user prefix."""
    return f"{original_key.rsplit('.', 1)[0]}_{suffix}.webp"


def _pending_key(ctx: Context, image_id: int) -> str | None:
    image = ctx.session.get(Image, image_id)
    return None if image is None or image.thumbnail_key else image.r2_key


def _record_derivatives(ctx: Context, image_id: int, thumbnail_key: str,
                        display_key: str | None, blurhash: str | None = None) -> bool:
    return bool(ctx.session.exec(update(Image).where(Image.id == image_id).values(
        thumbnail_key=thumbnail_key, display_key=display_key,
        blurhash=blurhash or None)).rowcount)


def _pending_ids(ctx: Context) -> list[int]:
    return list(ctx.session.exec(select(Image.id).where(Image.thumbnail_key.is_(None))
                                 .order_by(Image.id)))


class ThumbnailQueue:
    """Threads, not processes: Pillow releases the GIL while decoding, resizing and
    encoding, and the pool's size is the memory budget (see concurrency.py)."""

    def __init__(self, runner: ActionRunner, workers: int):
        self.runner = runner
        self.workers = workers
        self._executor: ThreadPoolExecutor | None = None
        self._in_flight: set[int] = set()
        self._lock = threading.Lock()

    def _pool(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(max_workers=self.workers,
                                                    thread_name_prefix="imghost-thumbnails")
            return self._executor

    def make(self, image_id: int) -> bool:
        """Make and record one image's derivatives; False when there was nothing to do."""
        key = self.runner.call(_pending_key, image_id)
        if key is None:
            return False
        storage = self.runner.storage
        data = storage.read(key)
        with decode_slots():
            made = make_derivatives(data)
        thumbnail_key = derivative_key(key, "thumb")
        storage.put(thumbnail_key, made.thumbnail, WEBP)
        display_key = None
        if made.display is not None:
            display_key = derivative_key(key, "display")
            storage.put(display_key, made.display, WEBP)
        if not self.runner.call(_record_derivatives, image_id, thumbnail_key, display_key,
                                made.blurhash):
            # The image was deleted meanwhile: leave no orphans behind.
            for orphan in (thumbnail_key, display_key):
                if orphan:
                    storage.delete(orphan)
            return False
        return True

    def _run(self, image_id: int) -> None:
        try:
            self.make(image_id)
        except Exception:  # stays pending; picked up at the next start or backfill
            log.exception("thumbnails for image %s failed", image_id)
        finally:
            with self._lock:
                self._in_flight.discard(image_id)

    def schedule(self, image_id: int) -> bool:
        """Queue an image for thumbnails without waiting; False if it is already queued."""
        with self._lock:
            if image_id in self._in_flight:
                return False
            self._in_flight.add(image_id)
        try:
            self._pool().submit(self._run, image_id)
        except RuntimeError:  # shutting down: the image stays pending for the next start
            with self._lock:
                self._in_flight.discard(image_id)
            log.warning("thumbnails for image %s deferred: the pool is shutting down", image_id)
            return False
        return True

    def resume_pending(self) -> int:
        """Queue every image still without thumbnails (run at server start); returns how many."""
        queued = sum(self.schedule(image_id) for image_id in self.runner.call(_pending_ids))
        if queued:
            log.info("queued thumbnails for %s unfinished images", queued)
        return queued

    def backfill(self) -> BackfillResult:
        """Make every missing thumbnail now, with bounded concurrency, and wait for it
        (images uploaded before the pipeline existed, or whose processing failed)."""
        done = failed = 0
        futures = [self._pool().submit(self.make, image_id)
                   for image_id in self.runner.call(_pending_ids)]
        for future in as_completed(futures):
            try:
                done += bool(future.result())
            except Exception:
                failed += 1
                log.exception("backfill: thumbnails failed")
        return BackfillResult(done=done, failed=failed)

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
