"""Thumbnails of small images made inside confirm, from the bytes it just checked.

A job costs more than the thumbnail of a small image: claiming it and recording it are
two transactions, and the job decodes the image again. Up to INLINE_MAX_PIXELS the
derivatives are made in confirm's slow step and recorded with the image's row, so the
image is listed with its thumbnail and no job exists for it. Larger images keep the
job (worker.py): their decode and resize would hold the confirm up.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from imghost.services.object_keys import derivative_key
from imghost.services.processing.concurrency import decode_slots
from imghost.services.processing.derivatives import make_derivatives
from imghost.services.processing.original import PreparedOriginal
from imghost.services.storage import Storage

log = logging.getLogger("imghost.processing")
WEBP = "image/webp"
# A 512 x 512 picture: about what the thumbnail itself holds, a few ms to make.
INLINE_MAX_PIXELS = 512 * 512


@dataclass(frozen=True)
class MadeNow:
    thumbnail_key: str
    display_key: str | None
    blurhash: str | None


def make_now(storage: Storage, key: str, content_type: str,
             prepared: PreparedOriginal) -> MadeNow | None:
    """The stored derivatives of a small image, or None: too large, or making them failed
    (then the usual job makes them, with its retries)."""
    if prepared.width * prepared.height > INLINE_MAX_PIXELS:
        return None
    try:
        with decode_slots():
            made = make_derivatives(prepared.data, content_type)
        thumbnail_key = derivative_key(key, "thumb")
        storage.put(thumbnail_key, made.thumbnail, WEBP)
        display_key = None
        if made.display is not None:  # a long strip, or HEIC
            display_key = derivative_key(key, "display")
            storage.put(display_key, made.display, WEBP)
    except Exception as error:  # noqa: BLE001 - the job retries whatever this was
        log.info("thumbnails for %s left to the job: %s", key, error)
        return None
    return MadeNow(thumbnail_key=thumbnail_key, display_key=display_key,
                   blurhash=made.blurhash or None)
