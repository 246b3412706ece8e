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
import math
from operator import mul

import blurhash
from blurhash.blurhash import base83_encode, linear_to_srgb, sign_pow
from PIL import Image

# 4 x 3 components: enough for the shape of a photo, 28 characters.
COMPONENTS = (4, 3)
# The encoding reads a 32 px copy, not the thumbnail itself.
SAMPLE_SIDE = 32
# Decoded this small, the browser's smooth upscaling does the blurring.
PREVIEW_SIDE = 6


def blurhash_of(picture: Image.Image) -> str:
    """blurhash.encode's text for the picture's 32 px copy, computed separably: each
    row's cosine sums first, then the columns' (C loops over a row instead of Python
    ones over every component x pixel; tests/unit/test_processing_blur.py compares)."""
    sample = picture.convert("RGB")
    sample.thumbnail((SAMPLE_SIDE, SAMPLE_SIDE), Image.Resampling.BOX)
    width, height = sample.size
    columns, rows = COMPONENTS
    cos_x = _cosines(columns, width)
    linear, data, stride = _LINEAR, sample.tobytes(), width * 3
    # sums[i][c][y]: row y's channel c weighed by the i-th horizontal cosine.
    sums = [[[0.0] * height for _ in range(3)] for _ in range(columns)]
    for y in range(height):
        line = data[y * stride:(y + 1) * stride]
        channels = [[linear[v] for v in line[c::3]] for c in range(3)]
        for weights, by_channel in zip(cos_x, sums, strict=True):
            for channel, column in zip(channels, by_channel, strict=True):
                column[y] = sum(map(mul, weights, channel))
    factors = []
    for j, cos_y in enumerate(_cosines(rows, height)):
        for i in range(columns):
            scale = (1.0 if i == j == 0 else 2.0) / (width * height)
            factors.append([sum(map(mul, cos_y, column)) * scale for column in sums[i]])
    return _encode(factors, columns, rows)


@functools.cache
def _cosines(count: int, size: int) -> list[list[float]]:
    """cos(pi * k * n / size) for the k-th component at pixel n (few sizes ever occur)."""
    return [[math.cos(math.pi * k * n / size) for n in range(size)] for k in range(count)]


# sRGB byte -> linear light, as blurhash's own conversion.
_LINEAR = [blurhash.srgb_to_linear(value) for value in range(256)]


def _encode(factors: list[list[float]], columns: int, rows: int) -> str:
    """The blurhash text of DC + AC factors, quantized exactly as blurhash.encode does."""
    dc, ac = factors[0], factors[1:]
    dc_value = (linear_to_srgb(dc[0]) << 16) + (linear_to_srgb(dc[1]) << 8) + linear_to_srgb(dc[2])
    largest = max((abs(value) for factor in ac for value in factor), default=0.0)
    quantized_max = int(max(0, min(82, math.floor(largest * 166 - 0.5))))
    scale = float(quantized_max + 1) / 166.0

    def level(value: float) -> int:
        return int(max(0.0, min(18.0, math.floor(sign_pow(value / scale, 0.5) * 9.0 + 9.5))))

    text = (base83_encode((columns - 1) + (rows - 1) * 9, 1) + base83_encode(quantized_max, 1)
            + base83_encode(dc_value, 4))
    for red, green, blue in ac:
        text += base83_encode(level(red) * 19 * 19 + level(green) * 19 + level(blue), 2)
    return text


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
