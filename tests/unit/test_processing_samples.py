"""Real image files made with Pillow for the pipeline tests, and checks that they are real.

Each sample carries the kind of private data the pipeline must remove: GPS and a
camera serial in EXIF, XMP, comments, PNG text chunks.
"""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image, PngImagePlugin

from imghost.services.processing.limits import setup_pillow
from tests.support.containers import avif_claiming_items
from tests.support.images import HTML_AS_PNG, SVG

GPS_IFD = 0x8825
SERIAL_TAG = 0xA431  # BodySerialNumber
ORIENTATION = 0x0112
SECRET = "SECRET-SERIAL-4711"
XMP = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/'
       b'22-rdf-syntax-ns#"><rdf:Description>GPS-SECRET-XMP</rdf:Description></rdf:RDF>'
       b"</x:xmpmeta>")


def photo(size: tuple[int, int] = (600, 400)) -> Image.Image:
    """A picture with structure (so rotation and resizing are visible), not one flat colour."""
    width, height = size
    image = Image.new("RGB", size, (30, 90, 200))
    image.paste((230, 40, 40), (0, 0, width // 2, height // 3))  # red block top-left
    noise = Image.effect_noise(size, 40).convert("RGB")
    return Image.blend(image, noise, 0.2)


def exif_with_gps(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[SERIAL_TAG] = SECRET
    exif[0x010F] = "PhoneMaker"
    exif[GPS_IFD] = {1: "N", 2: (52.0, 22.0, 1.5), 3: "E", 4: (4.0, 53.0, 2.0)}
    return exif


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    setup_pillow()  # registers HEIF for saving too
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def jpeg_with_gps(size=(600, 400), orientation: int = 6) -> bytes:
    return encode(photo(size), "JPEG", quality=90, exif=exif_with_gps(orientation).tobytes(),
                  comment=b"GPS-SECRET-COMMENT", xmp=XMP)


def plain_jpeg(size=(600, 400)) -> bytes:
    return encode(photo(size), "JPEG", quality=90)


def png_with_text(size=(300, 200)) -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "GPS-SECRET-AUTHOR")
    info.add_text("Comment", "GPS-SECRET-ZTXT", zip=True)
    info.add_itxt("XML:com.adobe.xmp", XMP.decode(), lang="en")
    return encode(photo(size), "PNG", pnginfo=info)


def animated_gif(size=(120, 80)) -> bytes:
    frames = [Image.new("RGB", size, colour) for colour in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100,
                  loop=0, comment=b"GPS-SECRET-COMMENT")


def webp_with_gps(size=(300, 200)) -> bytes:
    return encode(photo(size), "WEBP", quality=80, exif=exif_with_gps(1).tobytes(), xmp=XMP)


def animated_webp(size=(120, 80)) -> bytes:
    frames = [Image.new("RGB", size, colour) for colour in ((255, 0, 0), (0, 255, 0))]
    return encode(frames[0], "WEBP", save_all=True, append_images=frames[1:], duration=100,
                  lossless=True)


def avif_with_gps(size=(300, 200)) -> bytes:
    return encode(photo(size), "AVIF", quality=70, exif=exif_with_gps(1).tobytes(), xmp=XMP)


def heic_with_gps(size=(300, 200)) -> bytes:
    return encode(photo(size), "HEIF", quality=70, exif=exif_with_gps(1).tobytes(), xmp=XMP)


def truncated_jpeg() -> bytes:
    data = plain_jpeg((400, 300))
    return data[: len(data) // 2]


def png_declaring(width: int = 50_000, height: int = 50_000) -> bytes:
    """A tiny valid-looking PNG whose header claims a gigantic picture."""
    def chunk(kind: bytes, payload: bytes) -> bytes:
        return (struct.pack(">I", len(payload)) + kind + payload
                + struct.pack(">I", zlib.crc32(kind + payload)))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 1024)) + chunk(b"IEND", b""))


def hostile_files():
    """What confirm must refuse (and delete): (bytes, declared type, error code), with ids."""
    cases = {"truncated-jpeg": (truncated_jpeg(), "image/jpeg", "not_an_image"),
             "png-50000": (png_declaring(50_000, 50_000), "image/png", "image_too_large"),
             "html-as-png": (HTML_AS_PNG, "image/png", "not_an_image"),
             "svg-as-png": (SVG, "image/png", "not_an_image"),
             "avif-4g-items": (avif_claiming_items(), "image/avif", "not_an_image")}
    return {"argvalues": list(cases.values()), "ids": list(cases)}


def has_private_data(data: bytes) -> bool:
    return any(marker in data for marker in (SECRET.encode(), b"GPS-SECRET", b"PhoneMaker"))


@pytest.mark.parametrize("make", [jpeg_with_gps, png_with_text, animated_gif, webp_with_gps,
                                  avif_with_gps, heic_with_gps])
def test_samples_are_real_images_carrying_private_data(make):
    data = make()
    setup_pillow()
    with Image.open(io.BytesIO(data)) as image:
        image.load()
    assert has_private_data(data)


def test_bomb_sample_declares_fifty_thousand_pixels_a_side():
    data = png_declaring()
    assert struct.unpack(">II", data[16:24]) == (50_000, 50_000)
    assert len(data) < 200
