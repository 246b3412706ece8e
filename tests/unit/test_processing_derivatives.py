"""Thumbnail and display size: WebP, right size, rotated upright, no metadata, still frames."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from imghost.services.processing.derivatives import make_derivatives
from imghost.services.processing.errors import Rejected
from imghost.services.processing.inspect import inspect_image
from imghost.services.processing.worker import derivative_key
from tests.unit.test_processing_samples import (
    animated_gif,
    animated_webp,
    encode,
    heic_with_gps,
    jpeg_with_gps,
    png_declaring,
    png_with_text,
)


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_rotated_photo_gets_an_upright_thumbnail_and_display():
    made = make_derivatives(jpeg_with_gps((2400, 1800), orientation=6), "image/jpeg")
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
    made = make_derivatives(png_with_text((300, 200)), "image/png")
    assert made.display is None
    assert opened(made.thumbnail).size == (300, 200)


def test_animated_originals_get_a_still_first_frame():
    for data, content_type in ((animated_gif(), "image/gif"), (animated_webp(), "image/webp")):
        thumbnail = opened(make_derivatives(data, content_type).thumbnail)
        assert getattr(thumbnail, "n_frames", 1) == 1
        red, green, blue = thumbnail.convert("RGB").getpixel((10, 10))
        assert red > 200 and green < 50  # the first (red) frame


def test_heic_always_gets_a_display_size_browsers_can_show():
    made = make_derivatives(heic_with_gps((300, 200)), "image/heic")
    assert made.display is not None
    assert opened(made.display).format == "WEBP"


def test_derivative_keys_sit_next_to_the_original():
    key = "7/" + "a" * 32 + ".jpg"
    assert derivative_key(key, "thumb") == "7/" + "a" * 32 + "_thumb.webp"


@pytest.mark.parametrize(("mode", "fmt", "content_type", "colour", "expected"), [
    ("I;16", "PNG", "image/png", 30000, (117, 117, 117, 255)),   # scaled, not clipped to white
    ("L", "JPEG", "image/jpeg", 100, (100, 100, 100, 255)),
    ("CMYK", "JPEG", "image/jpeg", (0, 0, 0, 0), (255, 255, 255, 255)),
    ("LA", "PNG", "image/png", (100, 128), (100, 100, 100, 128)),
    ("RGBA", "WEBP", "image/webp", (10, 20, 30, 128), (10, 20, 30, 128)),
    ("1", "PNG", "image/png", 1, (255, 255, 255, 255)),
], ids=["png-16bit-grey", "jpeg-grey", "jpeg-cmyk", "png-grey-alpha", "webp-alpha", "png-1bit"])
def test_every_pixel_mode_becomes_a_faithful_webp(mode, fmt, content_type, colour, expected):
    data = encode(Image.new(mode, (700, 500), colour), fmt)
    info = inspect_image(data, content_type)
    assert (info.width, info.height) == (700, 500)
    thumbnail = opened(make_derivatives(data, content_type).thumbnail)
    assert thumbnail.size == (512, 366)
    pixel = thumbnail.convert("RGBA").getpixel((5, 5))
    assert all(abs(a - b) <= 3 for a, b in zip(pixel, expected, strict=True)), pixel


@pytest.mark.parametrize(("data", "content_type", "code"), [
    (encode(Image.new("RGB", (40, 30)), "TIFF"), "image/png", "not_an_image"),  # not allowed at all
    (encode(Image.new("RGB", (40, 30)), "BMP"), "image/jpeg", "not_an_image"),
    (encode(Image.new("RGB", (40, 30)), "GIF"), "image/png", "type_mismatch"),  # allowed, not its own
    (png_declaring(50_000, 50_000), "image/png", "image_too_large"),
    (png_declaring(20_001, 1), "image/png", "image_too_large"),
], ids=["tiff", "bmp", "gif-as-png", "pixel-bomb", "too-wide"])
def test_thumbnails_refuse_what_confirm_refuses(data, content_type, code):
    """The worker decodes through the same gate as confirm: whitelist, declared type, limits."""
    with pytest.raises(Rejected) as refused:
        make_derivatives(data, content_type)
    assert refused.value.code == code
