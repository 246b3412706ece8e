"""Lossless metadata removal: private data gone, orientation kept, pixels bit-identical."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from imghost.services.processing.errors import Malformed
from imghost.services.processing.limits import setup_pillow
from imghost.services.processing.strip import strip_metadata
from tests.unit.test_processing_samples import (
    GPS_IFD,
    ORIENTATION,
    SERIAL_TAG,
    animated_gif,
    avif_with_gps,
    has_private_data,
    heic_with_gps,
    jpeg_with_gps,
    plain_jpeg,
    png_with_text,
    truncated_jpeg,
    webp_with_gps,
)

SAMPLES = [
    ("image/jpeg", jpeg_with_gps),
    ("image/png", png_with_text),
    ("image/gif", animated_gif),
    ("image/webp", webp_with_gps),
    ("image/avif", avif_with_gps),
    ("image/heic", heic_with_gps),
]


def frames(data: bytes) -> list[bytes]:
    """Every frame's decoded pixels."""
    setup_pillow()
    with Image.open(io.BytesIO(data)) as image:
        result = []
        for index in range(getattr(image, "n_frames", 1)):
            image.seek(index)
            result.append(image.convert("RGBA").tobytes())
        return result


@pytest.mark.parametrize(("content_type", "make"), SAMPLES, ids=[s[0] for s in SAMPLES])
def test_private_data_is_removed_and_pixels_are_unchanged(content_type, make):
    original = make()
    stripped = strip_metadata(original, content_type)
    assert not has_private_data(stripped)
    assert frames(stripped) == frames(original)
    with Image.open(io.BytesIO(stripped)) as image:
        exif = image.getexif()
        assert not exif.get_ifd(GPS_IFD)
        assert SERIAL_TAG not in exif
        assert b"GPS-SECRET" not in (image.info.get("xmp") or b"")


@pytest.mark.parametrize(("content_type", "make"), SAMPLES, ids=[s[0] for s in SAMPLES])
def test_stripping_twice_changes_nothing_more(content_type, make):
    once = strip_metadata(make(), content_type)
    assert strip_metadata(once, content_type) == once


def test_jpeg_keeps_only_the_orientation():
    stripped = strip_metadata(jpeg_with_gps(orientation=6), "image/jpeg")
    with Image.open(io.BytesIO(stripped)) as image:
        assert dict(image.getexif()) == {ORIENTATION: 6}
        assert "comment" not in image.info


def test_jpeg_without_metadata_is_kept_byte_for_byte():
    data = plain_jpeg()
    assert strip_metadata(data, "image/jpeg") == data


def test_png_without_text_is_kept_byte_for_byte():
    data = io.BytesIO()
    Image.new("RGB", (20, 10), (1, 2, 3)).save(data, "PNG")
    assert strip_metadata(data.getvalue(), "image/png") == data.getvalue()


def test_data_hidden_after_the_end_of_a_jpeg_is_dropped():
    clean = plain_jpeg()
    stripped = strip_metadata(clean + b"<script>alert(1)</script>GPS-SECRET", "image/jpeg")
    assert stripped == clean


def test_jpeg_thumbnail_in_jfif_header_is_dropped():
    data = plain_jpeg()
    # A JFIF APP0 with a 1x1 embedded RGB thumbnail, as some old cameras write.
    app0_at = data.index(b"JFIF") - 4
    jfif = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x01\x01" + b"\xab\xcd\xef"
    with_thumb = (data[:app0_at] + b"\xff\xe0" + (len(jfif) + 2).to_bytes(2, "big") + jfif
                  + data[app0_at + 2 + int.from_bytes(data[app0_at + 2:app0_at + 4], "big"):])
    stripped = strip_metadata(with_thumb, "image/jpeg")
    assert b"\xab\xcd\xef" not in stripped
    assert frames(stripped) == frames(data)


def test_animated_gif_stays_animated():
    stripped = strip_metadata(animated_gif(), "image/gif")
    with Image.open(io.BytesIO(stripped)) as image:
        assert image.n_frames == 3
        assert image.info.get("loop") == 0


def test_webp_feature_flags_match_the_remaining_chunks():
    stripped = strip_metadata(webp_with_gps(), "image/webp")
    assert b"XMP " not in stripped and b"EXIF" not in stripped
    flags = stripped[20]  # first byte of the VP8X payload
    assert not flags & 0x0C


def test_heif_files_keep_their_exact_size():
    for content_type, make in (("image/avif", avif_with_gps), ("image/heic", heic_with_gps)):
        original = make()
        assert len(strip_metadata(original, content_type)) == len(original)


@pytest.mark.parametrize(("content_type", "data"), [
    ("image/jpeg", truncated_jpeg()),
    ("image/png", png_with_text()[:-30]),
    ("image/gif", animated_gif()[:-20]),
    ("image/webp", webp_with_gps()[:-40]),
    ("image/jpeg", b"\xff\xd8\xff\xe0\x00"),
], ids=["jpeg", "png", "gif", "webp", "jpeg-header-only"])
def test_truncated_containers_are_malformed(content_type, data):
    with pytest.raises(Malformed):
        strip_metadata(data, content_type)


def test_a_jpeg_with_thousands_of_scans_is_refused():
    # Many SOS segments with tiny scan data: the libjpeg CPU-exhaustion pattern.
    data = plain_jpeg()
    sos_at = data.index(b"\xff\xda")
    sos_length = int.from_bytes(data[sos_at + 2:sos_at + 4], "big")
    one_scan = data[sos_at:sos_at + 2 + sos_length] + b"\x00"
    hostile = data[:sos_at] + one_scan * 300 + b"\xff\xd9"
    with pytest.raises(Malformed):
        strip_metadata(hostile, "image/jpeg")
