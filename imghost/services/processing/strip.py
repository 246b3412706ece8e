"""Pick the lossless metadata stripper for a content type."""

from __future__ import annotations

import struct
from collections.abc import Callable

from imghost.services.processing.errors import Malformed
from imghost.services.processing.strip_bmff import strip_bmff
from imghost.services.processing.strip_gif import strip_gif
from imghost.services.processing.strip_jpeg import strip_jpeg
from imghost.services.processing.strip_png import strip_png
from imghost.services.processing.strip_webp import strip_webp

STRIPPERS: dict[str, Callable[[bytes], bytes]] = {
    "image/jpeg": strip_jpeg,
    "image/png": strip_png,
    "image/gif": strip_gif,
    "image/webp": strip_webp,
    "image/avif": strip_bmff,
    "image/heic": strip_bmff,
}


def strip_metadata(data: bytes, content_type: str) -> bytes:
    """The file without private metadata; raises Malformed when its structure is broken."""
    stripper = STRIPPERS.get(content_type)
    if stripper is None:
        return data
    try:
        return stripper(data)
    except (ValueError, IndexError, struct.error) as error:
        # A hostile length or offset the parsers did not foresee: still just a bad file.
        raise Malformed(type(error).__name__) from None
