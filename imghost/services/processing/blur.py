"""Blurhash placeholders (blurha.sh): made from the thumbnail, shown until it arrives.

A blurhash is ~30 characters that decode into a soft picture of the image. Clients
that can decode it (apps, scripts) get it from the API; the gallery gets a tiny PNG
decoded on the server, scaled up by the browser (no JavaScript build needed). It is an
<img> source, never CSS: every distinct value in a Reflex style prop becomes an Emotion
rule that is never removed, and 10,000 of them made each page slower than the last.
"""

from __future__ import annotations

import base64
import functools
import io

import blurhash
from PIL import Image

# 4 x 3 components: enough for the shape of a photo, 28 characters.
COMPONENTS = (4, 3)
# The encoder is pure Python: it reads a 32 px copy, not the thumbnail itself.
SAMPLE_SIDE = 32
# Decoded this small, the browser's smooth upscaling does the blurring.
PREVIEW_SIDE = 6


def blurhash_of(picture: Image.Image) -> str:
    sample = picture.convert("RGB")
    sample.thumbnail((SAMPLE_SIDE, SAMPLE_SIDE), Image.Resampling.BOX)
    width, height = sample.size
    pixels = list(sample.getdata())
    rows = [pixels[y * width:(y + 1) * width] for y in range(height)]
    return blurhash.encode(rows, *COMPONENTS)


def _png_data_url(picture: Image.Image) -> str:
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


@functools.lru_cache(maxsize=256)
def colour_data_url(colour: str) -> str:
    """A one-pixel PNG of a "#rrggbb" colour (for images without a blurhash yet)."""
    return _png_data_url(Image.new("RGB", (1, 1), colour))


@functools.lru_cache(maxsize=4096)
def blurhash_data_url(hash_text: str) -> str:
    """A data: URL of a PREVIEW_SIDE-pixel PNG; "" for text that is no blurhash."""
    try:
        rows = blurhash.decode(hash_text, PREVIEW_SIDE, PREVIEW_SIDE)
    except (ValueError, IndexError, KeyError):
        return ""
    preview = Image.new("RGB", (PREVIEW_SIDE, PREVIEW_SIDE))
    preview.putdata([tuple(pixel) for row in rows for pixel in row])
    return _png_data_url(preview)
