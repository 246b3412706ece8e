"""The pipeline's numbers, and the one-time Pillow setup every decoder relies on."""

from __future__ import annotations

import functools

from PIL import Image

# Decompression bombs: a few KB of PNG can declare gigapixels. Refused from the header,
# before a single pixel buffer is allocated.
MAX_PIXELS = 100_000_000
MAX_SIDE = 20_000

THUMBNAIL_SIDE = 512
DISPLAY_SIDE = 1600
THUMBNAIL_QUALITY = 75
DISPLAY_QUALITY = 80
# libwebp effort (bench/thumbnails.py measures it): a low method for the 1600 px display,
# where the default's extra effort costs much time for few bytes, a middle one for the
# 512 px thumbnail.
THUMBNAIL_METHOD = 2
DISPLAY_METHOD = 0

# Content type -> the name Pillow gives the format once it has parsed the header.
PILLOW_FORMATS = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/gif": "GIF",
    "image/webp": "WEBP",
    "image/avif": "AVIF",
    "image/heic": "HEIF",
}


@functools.cache
def setup_pillow() -> None:
    """Register HEIF and align Pillow's own bomb guard with ours (idempotent)."""
    # Pillow errors only above 2x MAX_IMAGE_PIXELS; our explicit check refuses above 1x.
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        import pillow_heif
    except ImportError:  # HEIC then stays refused as "not an image"; nothing else changes
        return
    # Without thumbnails/depth images: we never read them, and each is more to parse.
    # One decode thread each: concurrency is bounded by our own pool, not per image.
    pillow_heif.register_heif_opener(thumbnails=False, depth_images=False, aux_images=False,
                                     decode_threads=1)


def heic_supported() -> bool:
    setup_pillow()
    return "HEIF" in Image.OPEN


def fit(width: int, height: int, side: int) -> tuple[int, int]:
    """The size that fits in side x side keeping the aspect ratio; never upscales."""
    scale = min(1.0, side / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))
