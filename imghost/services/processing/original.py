"""Confirm-time step: strip private metadata, check the image, re-store the original.

Runs inside confirm (before the row exists) so a refused file never becomes an image,
and the size and dimensions on the row describe the object that is actually stored.
"""

from __future__ import annotations

from dataclasses import dataclass

from imghost.services.processing.concurrency import decode_slots
from imghost.services.processing.inspect import inspect_image
from imghost.services.processing.strip import strip_metadata
from imghost.services.storage import Storage


@dataclass(frozen=True)
class PreparedOriginal:
    size_bytes: int
    width: int
    height: int
    placeholder: str
    stripped: bool  # True when the stored object was rewritten without metadata


def prepare_original(storage: Storage, key: str, content_type: str,
                     keep_metadata: bool) -> PreparedOriginal:
    """Raise Rejected for anything that must not be stored; the caller deletes the object."""
    uploaded = storage.read(key)
    # The strippers walk the whole container, so they also catch truncation and
    # abusive structure early; with keep_metadata they only check, the upload is kept.
    stripped_copy = strip_metadata(uploaded, content_type)
    cleaned = uploaded if keep_metadata else stripped_copy
    with decode_slots():
        # The cleaned bytes are the ones checked: they are what will be served.
        info = inspect_image(cleaned, content_type)
    stripped = cleaned != uploaded
    if stripped:
        storage.put(key, cleaned, content_type)
    return PreparedOriginal(size_bytes=len(cleaned), width=info.width, height=info.height,
                            placeholder=info.placeholder, stripped=stripped)
