"""The picture as a browser would show it: upright, in 8-bit RGB or RGBA.

Every later step (placeholder, resizing, WebP) needs one of those two modes; Pillow
clips 16-bit greyscale when converting (30000 becomes white), so it is scaled first.
"""

from __future__ import annotations

from PIL import Image, ImageOps

WIDE_MODES = ("I;16", "I;16L", "I;16B", "I;16N", "I", "F")


def has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info


def displayable(image: Image.Image) -> Image.Image:
    """A new upright RGB/RGBA image of the current frame (EXIF orientation applied)."""
    alpha = has_alpha(image)
    upright = ImageOps.exif_transpose(image)
    if upright.mode in WIDE_MODES:
        upright = upright.convert("I").point(lambda value: value / 256).convert("L")
    return upright.convert("RGBA" if alpha else "RGB")
