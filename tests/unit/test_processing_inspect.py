"""Decode checks: hostile files are refused with a code, real images give their shown size."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from imghost.services import image_types
from imghost.services.processing.errors import Rejected
from imghost.services.processing.inspect import inspect_image
from tests.support.images import HTML_AS_PNG, SVG
from tests.unit.test_processing_samples import (
    animated_gif,
    avif_with_gps,
    encode,
    heic_with_gps,
    jpeg_with_gps,
    png_declaring,
    png_with_text,
    truncated_jpeg,
    webp_with_gps,
)


@pytest.mark.parametrize(("content_type", "make", "size"), [
    ("image/jpeg", lambda: jpeg_with_gps((600, 400), orientation=6), (400, 600)),
    ("image/jpeg", lambda: jpeg_with_gps((600, 400), orientation=1), (600, 400)),
    ("image/png", png_with_text, (300, 200)),
    ("image/gif", animated_gif, (120, 80)),
    ("image/webp", webp_with_gps, (300, 200)),
    ("image/avif", avif_with_gps, (300, 200)),
    ("image/heic", heic_with_gps, (300, 200)),
], ids=["jpeg-rotated", "jpeg", "png", "gif", "webp", "avif", "heic"])
def test_real_images_give_their_size_as_shown(content_type, make, size):
    info = inspect_image(make(), content_type)
    assert (info.width, info.height) == size
    assert re.fullmatch(r"#[0-9a-f]{6}", info.placeholder)


def test_animated_gif_is_flagged_animated():
    assert inspect_image(animated_gif(), "image/gif").animated


def test_placeholder_is_the_average_colour():
    data = encode(Image.new("RGB", (40, 40), (200, 100, 50)), "PNG")
    assert inspect_image(data, "image/png").placeholder == "#c86432"


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize(("content_type", "data", "code"), [
    ("image/jpeg", truncated_jpeg(), "not_an_image"),
    ("image/png", png_declaring(50_000, 50_000), "image_too_large"),
    ("image/png", png_declaring(20_001, 10), "image_too_large"),
    ("image/png", png_declaring(10_001, 10_001), "image_too_large"),
    ("image/png", HTML_AS_PNG, "not_an_image"),
    ("image/png", SVG, "not_an_image"),
    ("image/png", jpeg_with_gps(), "type_mismatch"),
    ("image/svg+xml", SVG, "unsupported_type"),
    ("image/png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "not_an_image"),
], ids=["truncated-jpeg", "png-50000", "png-wide", "png-100mp", "html-as-png", "svg",
        "jpeg-as-png", "svg-type", "png-garbage"])
def test_hostile_files_are_refused_with_a_code(content_type, data, code):
    with pytest.raises(Rejected) as refused:
        inspect_image(data, content_type)
    assert refused.value.code == code


def test_largest_accepted_size_passes_the_header_check():
    # 10,000 x 10,000 = the 100 MP limit exactly; decoding this flat PNG is cheap.
    buffer = io.BytesIO()
    Image.new("L", (10_000, 10_000)).save(buffer, "PNG")
    info = inspect_image(buffer.getvalue(), "image/png")
    assert (info.width, info.height) == (10_000, 10_000)


@pytest.mark.parametrize(("ftyp", "expected"), [
    (b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1avif", image_types.AVIF),
    (b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1heic", image_types.HEIC),
    # A box of 16 bytes lists no compatible brand; "avif" belongs to the next box.
    (b"\x00\x00\x00\x10ftypmif1\x00\x00\x00\x00\x00\x00\x00\x0cfreeavif", None),
    # Brands are whole 4-byte words, not any four letters in a row.
    (b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00xxavifxx", None),
], ids=["avif", "heic", "brand-after-the-box", "unaligned-brand"])
def test_generic_heif_brands_are_read_from_inside_the_ftyp_box(ftyp, expected):
    assert image_types.sniff(ftyp.ljust(image_types.SNIFF_BYTES, b"\x00")) is expected


def test_heic_is_recognised_from_its_first_bytes():
    assert image_types.sniff(heic_with_gps()[:image_types.SNIFF_BYTES]) is image_types.HEIC
    assert image_types.sniff(avif_with_gps()[:image_types.SNIFF_BYTES]) is image_types.AVIF
    assert image_types.lookup("image/heif") is image_types.HEIC
