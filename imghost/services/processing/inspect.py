"""Decode an upload with Pillow and decide whether it is a safe, allowed image.

Everything a hostile file can make Pillow raise is turned into Rejected, so a bad
upload is a 400 for its sender and never a crashed worker for everyone else.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from imghost.services.processing.errors import Rejected
from imghost.services.processing.limits import MAX_PIXELS, MAX_SIDE, PILLOW_FORMATS, setup_pillow
from imghost.services.processing.orientation import ORIENTATION_TAG, swaps_sides
from imghost.services.processing.pixels import displayable

# What a damaged or malicious file makes the decoders raise.
DECODE_ERRORS = (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError,
                 IndexError, KeyError, TypeError, RuntimeError, struct.error, zlib.error,
                 Image.DecompressionBombError, MemoryError)
# A JPEG is checked at 1/8 scale: libjpeg still reads every byte (so truncation and
# corrupt data are caught) but the pixel buffer is 64 times smaller.
JPEG_CHECK_SCALE = 8


@dataclass(frozen=True)
class Inspection:
    format: str
    width: int          # as shown, after EXIF orientation
    height: int
    orientation: int
    animated: bool
    placeholder: str    # "#rrggbb": the average colour, shown until the thumbnail loads


def _check_dimensions(width: int, height: int) -> None:
    if width < 1 or height < 1:
        raise Rejected("The image has no pixels.", code="not_an_image")
    if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
        raise Rejected(f"The image is {width} x {height} pixels; at most {MAX_SIDE} px a side "
                       f"and {MAX_PIXELS // 1_000_000} megapixels are accepted.",
                       code="image_too_large")


def average_colour(image: Image.Image) -> str:
    """The mean colour of an RGB/RGBA picture, over white where it is transparent."""
    small = image.copy()
    small.thumbnail((32, 32), Image.Resampling.BOX)
    rgba = small.convert("RGBA")
    backdrop = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    red, green, blue = Image.alpha_composite(backdrop, rgba).convert("RGB").resize(
        (1, 1), Image.Resampling.BOX).getpixel((0, 0))
    return f"#{red:02x}{green:02x}{blue:02x}"


@contextmanager
def opened_image(data: bytes, content_type: str) -> Iterator[Image.Image]:
    """Open data only as one of the allowed formats, only as the declared one, and
    only within the pixel limits (read from the header, before any pixel is decoded).

    Confirm and the thumbnail worker both decode through this, so they accept exactly
    the same files. Whatever a hostile file makes Pillow raise, here or in the
    caller's block, comes out as Rejected.
    """
    setup_pillow()
    expected = PILLOW_FORMATS.get(content_type)
    if expected is None:
        raise Rejected("This file type is not allowed.", code="unsupported_type")
    try:
        with Image.open(io.BytesIO(data), formats=list(PILLOW_FORMATS.values())) as image:
            if image.format != expected:
                raise Rejected(f"The file is a {image.format} image, not the declared "
                               f"{content_type}.", code="type_mismatch")
            _check_dimensions(*image.size)
            yield image
    except Image.DecompressionBombError:
        raise Rejected("The image declares more pixels than are accepted.",
                       code="image_too_large") from None
    except Rejected:
        raise
    except DECODE_ERRORS as error:
        raise Rejected(f"The file could not be decoded as an image ({type(error).__name__}).",
                       code="not_an_image") from None


def inspect_image(data: bytes, content_type: str) -> Inspection:
    """Decode the first frame of data; raise Rejected unless it is an allowed image."""
    with opened_image(data, content_type) as image:
        width, height = image.size  # before draft() below shrinks it
        orientation = int(image.getexif().get(ORIENTATION_TAG, 1) or 1)
        animated = bool(getattr(image, "is_animated", False))
        if image.format == "JPEG":
            image.draft(image.mode, (image.width // JPEG_CHECK_SCALE,
                                     image.height // JPEG_CHECK_SCALE))
        image.load()
        placeholder = average_colour(displayable(image))
    if swaps_sides(orientation):
        width, height = height, width
    return Inspection(format=PILLOW_FORMATS[content_type], width=width, height=height,
                      orientation=orientation, animated=animated, placeholder=placeholder)

