"""Thumbnails off the request path: a bounded thread pool, and a picker for unfinished work.

An image without a thumbnail_key is pending. Confirm schedules it at once; if the
process dies first, resume_pending() (at every server start) and backfill_thumbnails()
(the `imghost backfill-thumbnails` command) pick it up again. Making thumbnails twice
is harmless: the keys are derived from the original's key and the row update is
conditional, so the last writer writes the same thing.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import select

from imghost.db import session_scope
from imghost.models import Image
from imghost.services.processing.concurrency import decode_slots
from imghost.services.processing.derivatives import make_derivatives
from imghost.services.storage import get_storage
from imghost.settings import get_settings

log = logging.getLogger("imghost.processing")
WEBP = "image/webp"

_in_flight: set[int] = set()
_lock = threading.Lock()


@dataclass(frozen=True)
class BackfillResult:
    done: int
    failed: int


def derivative_key(original_key: str, suffix: str) -> str:
    """`7/ab..ef.jpg` -> `7/ab..ef_thumb.webp`: next to the original, same user prefix."""
    return f"{original_key.rsplit('.', 1)[0]}_{suffix}.webp"


@functools.lru_cache(maxsize=1)
def _executor() -> ThreadPoolExecutor:
    # Threads, not processes: Pillow releases the GIL while decoding, resizing and
    # encoding, and the pool's size is the memory budget (see concurrency.py).
    return ThreadPoolExecutor(max_workers=get_settings().processing_workers,
                              thread_name_prefix="imghost-thumbnails")


def make_thumbnails(image_id: int) -> bool:
    """Make and record one image's derivatives; False when there was nothing to do."""
    with session_scope() as session:
        image = session.get(Image, image_id)
        if image is None or image.thumbnail_key:
            return False
        key = image.r2_key
    storage = get_storage()
    data = storage.read(key)
    with decode_slots():
        made = make_derivatives(data)
    thumbnail_key = derivative_key(key, "thumb")
    storage.put(thumbnail_key, made.thumbnail, WEBP)
    display_key = None
    if made.display is not None:
        display_key = derivative_key(key, "display")
        storage.put(display_key, made.display, WEBP)
    with session_scope() as session:
        updated = session.exec(update(Image).where(Image.id == image_id).values(
            thumbnail_key=thumbnail_key, display_key=display_key)).rowcount
    if not updated:  # the image was deleted meanwhile: leave no orphans behind
        for orphan in (thumbnail_key, display_key):
            if orphan:
                storage.delete(orphan)
        return False
    return True


def _run(image_id: int) -> None:
    try:
        make_thumbnails(image_id)
    except Exception:  # stays pending; picked up at the next start or backfill
        log.exception("thumbnails for image %s failed", image_id)
    finally:
        with _lock:
            _in_flight.discard(image_id)


def schedule_thumbnails(image_id: int) -> bool:
    """Queue an image for thumbnails without waiting; False if it is already queued."""
    with _lock:
        if image_id in _in_flight:
            return False
        _in_flight.add(image_id)
    try:
        _executor().submit(_run, image_id)
    except RuntimeError:  # shutting down: the image stays pending for the next start
        with _lock:
            _in_flight.discard(image_id)
        log.warning("thumbnails for image %s deferred: the pool is shutting down", image_id)
        return False
    return True


def pending_image_ids() -> list[int]:
    with session_scope() as session:
        return list(session.exec(select(Image.id).where(Image.thumbnail_key.is_(None))
                                 .order_by(Image.id)))


def resume_pending() -> int:
    """Queue every image still without thumbnails (run at server start); returns how many."""
    queued = sum(schedule_thumbnails(image_id) for image_id in pending_image_ids())
    if queued:
        log.info("queued thumbnails for %s unfinished images", queued)
    return queued


def backfill_thumbnails() -> BackfillResult:
    """Make every missing thumbnail now, with bounded concurrency, and wait for it.

    For `imghost backfill-thumbnails` (images uploaded before the pipeline existed, or
    whose processing failed).
    """
    done = failed = 0
    futures = [_executor().submit(make_thumbnails, image_id) for image_id in pending_image_ids()]
    for future in as_completed(futures):
        try:
            done += bool(future.result())
        except Exception:
            failed += 1
            log.exception("backfill: thumbnails failed")
    return BackfillResult(done=done, failed=failed)


def wait_until_idle(timeout: float = 30.0) -> bool:
    """True once nothing scheduled in this process is still running (tests, shutdown)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with _lock:
            if not _in_flight:
                return True
        time.sleep(0.02)
    return False
