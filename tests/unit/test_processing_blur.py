"""Blurhash placeholders: made from a picture, decoded into a tiny preview that looks like it."""

from __future__ import annotations

import base64
import io

from PIL import Image

from imghost.services.processing.blur import PREVIEW_SIDE, blurhash_data_url, blurhash_of
from imghost.services.processing.derivatives import make_derivatives
from tests.support.images import png


def halves() -> Image.Image:
    picture = Image.new("RGB", (400, 300), (220, 30, 30))
    picture.paste((30, 30, 220), (200, 0, 400, 300))
    return picture


def test_preview_keeps_the_pictures_colours_where_they_were():
    hash_text = blurhash_of(halves())
    assert len(hash_text) == 28
    url = blurhash_data_url(hash_text)
    assert url.startswith("data:image/png;base64,")
    preview = Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))).convert("RGB")
    assert preview.size == (PREVIEW_SIDE, PREVIEW_SIDE)
    left, right = preview.getpixel((0, 3)), preview.getpixel((PREVIEW_SIDE - 1, 3))
    assert left[0] > left[2] + 60 and right[2] > right[0] + 60


def test_text_that_is_no_blurhash_gives_no_preview():
    for text in ("", "abc", "not a blurhash at all!", "LVHLl1t7~qxut7fQofj[~qofofo"):
        assert blurhash_data_url(text) == ""


def test_derivatives_carry_the_blurhash():
    made = make_derivatives(png((300, 200), color=(10, 200, 10)), "image/png")
    assert len(made.blurhash) == 28
    assert made.blurhash == blurhash_of(Image.new("RGB", (300, 200), (10, 200, 10)))


def test_colour_preview_is_one_pixel_of_that_colour():
    from imghost.services.processing.blur import colour_data_url

    url = colour_data_url("#7a6f5c")
    preview = Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))).convert("RGB")
    assert preview.size == (1, 1) and preview.getpixel((0, 0)) == (0x7A, 0x6F, 0x5C)


def test_our_encoding_is_blurhash_encode():
    """blurhash_of computes the same text as the reference encoder on the same sample."""
    import random

    import blurhash

    from imghost.services.processing.blur import COMPONENTS, SAMPLE_SIDE

    pictures = [halves(), Image.new("RGB", (64, 48), (200, 60, 40)),
                Image.new("RGB", (1, 1), (0, 0, 0)), Image.new("RGB", (7, 300), (255, 255, 255))]
    chance = random.Random(17)
    for size in ((32, 32), (32, 24), (13, 32), (300, 200), (5, 3)):
        noise = Image.frombytes("RGB", size, bytes(chance.randrange(256)
                                                   for _ in range(size[0] * size[1] * 3)))
        pictures += [noise, noise.resize((size[0] * 3, size[1] * 3))]
    for picture in pictures:
        sample = picture.convert("RGB")
        sample.thumbnail((SAMPLE_SIDE, SAMPLE_SIDE), Image.Resampling.BOX)
        width, height = sample.size
        pixels = list(sample.getdata())
        rows = [pixels[y * width:(y + 1) * width] for y in range(height)]
        assert blurhash_of(picture) == blurhash.encode(rows, *COMPONENTS), picture
