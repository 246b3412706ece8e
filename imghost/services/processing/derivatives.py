"""Thumbnail (longest side 512) and display size (1600) as WebP: rotated, metadata-free.

Measured choice (bench/thumbnails.py): Pillow with JPEG draft mode. libjpeg decodes
straight at 1/2, 1/4 or 1/8 scale, so a 12 MP photo is never expanded to full size;
pyvips was no faster at one thread and took more memory, and would add a native
library to the image.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image

from imghost.services.processing.blur import blurhash_of
from imghost.services.processing.inspect import opened_image
from imghost.services.processing.limits import (
    DISPLAY_METHOD,
    DISPLAY_QUALITY,
    DISPLAY_SIDE,
    THUMBNAIL_METHOD,
    THUMBNAIL_QUALITY,
    THUMBNAIL_SIDE,
    fit,
)
from imghost.services.processing.orientation import ORIENTATION_TAG, swaps_sides
from imghost.services.processing.pixels import displayable

# Browsers other than Safari cannot show HEIC, so it always gets a display size.
ALWAYS_DISPLAY = {"HEIF"}


@dataclass(frozen=True)
class Derivatives:
    thumbnail: bytes
    display: bytes | None  # None when the original is small enough to show as it is
    blurhash: str = ""  # of the thumbnail (processing/blur.py)


def _encode(image: Image.Image, quality: int, method: int, icc: bytes | None) -> bytes:
    buffer = io.BytesIO()
    # The ICC profile is kept (wide-gamut phone photos look wrong without it); nothing else is.
    image.save(buffer, "WEBP", quality=quality, method=method, icc_profile=icc or b"")
    return buffer.getvalue()


def make_derivatives(data: bytes, content_type: str) -> Derivatives:
    """Raises Rejected for anything confirm would refuse: another format than the
    image's own, or more pixels than the limits (checked before decoding)."""
    with opened_image(data, content_type) as image:
        orientation = int(image.getexif().get(ORIENTATION_TAG, 1) or 1)
        width, height = image.size
        shown = (height, width) if swaps_sides(orientation) else (width, height)
        needs_display = max(shown) > DISPLAY_SIDE or image.format in ALWAYS_DISPLAY
        display_size = fit(*shown, DISPLAY_SIDE)
        if image.format == "JPEG":
            # Decode at the smallest libjpeg scale that still covers the largest output.
            target = fit(width, height, DISPLAY_SIDE if needs_display else THUMBNAIL_SIDE)
            image.draft("RGB", target)
        icc = image.info.get("icc_profile")
        frame = displayable(image)  # the first frame of an animation
    display = None
    if needs_display:
        # Bilinear (antialiased in Pillow) at these ratios is visually the same as
        # bicubic, and faster.
        frame = frame.resize(display_size, Image.Resampling.BILINEAR, reducing_gap=3.0)
        display = _encode(frame, DISPLAY_QUALITY, DISPLAY_METHOD, icc)
    # reducing_gap 1.5: a box pre-shrink by 2 before bicubic halves the time at 1600 -> 512
    # and is visually the same at this ratio.
    thumbnail = frame.resize(fit(*frame.size, THUMBNAIL_SIDE), Image.Resampling.BICUBIC,
                             reducing_gap=1.5)
    return Derivatives(thumbnail=_encode(thumbnail, THUMBNAIL_QUALITY, THUMBNAIL_METHOD, icc),
                       display=display, blurhash=blurhash_of(thumbnail))
