"""Thumbnail and display size: WebP, right size, rotated upright, no metadata, still frames."""

from __future__ import annotations

import io

from PIL import Image

from imghost.services.processing.derivatives import make_derivatives
from imghost.services.processing.worker import derivative_key
from tests.unit.test_processing_samples import (
    animated_gif,
    animated_webp,
    heic_with_gps,
    jpeg_with_gps,
    png_with_text,
)


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_rotated_photo_gets_an_upright_thumbnail_and_display():
    made = make_derivatives(jpeg_with_gps((2400, 1800), orientation=6))
    thumbnail, display = opened(made.thumbnail), opened(made.display)
    assert (thumbnail.format, thumbnail.size) == ("WEBP", (384, 512))
    assert (display.format, display.size) == ("WEBP", (1200, 1600))
    # The red block was top-left in the stored pixels; orientation 6 turns it top-right.
    red, green, blue = thumbnail.convert("RGB").getpixel((thumbnail.width - 20, 20))
    assert red > 150 and blue < 130
    for image in (thumbnail, display):
        assert not image.getexif()
        assert "xmp" not in image.info


def test_small_original_gets_no_display_and_no_upscaled_thumbnail():
    made = make_derivatives(png_with_text((300, 200)))
    assert made.display is None
    assert opened(made.thumbnail).size == (300, 200)


def test_animated_originals_get_a_still_first_frame():
    for data in (animated_gif(), animated_webp()):
        thumbnail = opened(make_derivatives(data).thumbnail)
        assert getattr(thumbnail, "n_frames", 1) == 1
        red, green, blue = thumbnail.convert("RGB").getpixel((10, 10))
        assert red > 200 and green < 50  # the first (red) frame


def test_heic_always_gets_a_display_size_browsers_can_show():
    made = make_derivatives(heic_with_gps((300, 200)))
    assert made.display is not None
    assert opened(made.display).format == "WEBP"


def test_derivative_keys_sit_next_to_the_original():
    key = "7/" + "a" * 32 + ".jpg"
    assert derivative_key(key, "thumb") == "7/" + "a" * 32 + "_thumb.webp"
