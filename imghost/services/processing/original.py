"""Confirm-time step: strip private metadata and check the image.

Runs inside confirm (before the row exists) so a refused file never becomes an image,
and the size and dimensions on the row describe the bytes confirm then stores as the
image (`data`: the upload itself or its metadata-free rewrite).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from imghost.services.processing.concurrency import decode_slots
from imghost.services.processing.inspect import inspect_image
from imghost.services.processing.strip import strip_metadata


@dataclass(frozen=True)
class PreparedOriginal:
    size_bytes: int
    width: int
    height: int
    placeholder: str
    stripped: bool  # True when data differs from the upload (metadata removed)
    data: bytes = field(repr=False, default=b"")  # the checked bytes to store


def prepare_original(uploaded: bytes, content_type: str, keep_metadata: bool) -> PreparedOriginal:
    """Raise Rejected for anything that must not be stored; the caller deletes the object."""
    # The strippers walk the whole container, so they also catch truncation and
    # abusive structure early; with keep_metadata they only check, the upload is kept.
    stripped_copy = strip_metadata(uploaded, content_type)
    cleaned = uploaded if keep_metadata else stripped_copy
    with decode_slots():
        # The cleaned bytes are the ones checked: they are what will be served.
        info = inspect_image(cleaned, content_type)
    return PreparedOriginal(size_bytes=len(cleaned), width=info.width, height=info.height,
                            placeholder=info.placeholder, stripped=cleaned != uploaded,
                            data=cleaned)
