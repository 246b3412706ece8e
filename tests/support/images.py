"""Real image bytes made with Pillow for the tests."""

from __future__ import annotations

import io

from PIL import Image


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (64, 48),
                color: tuple[int, int, int] = (200, 60, 40), **save_args) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format=fmt, **save_args)
    return buffer.getvalue()


def png(size: tuple[int, int] = (64, 48), color=(200, 60, 40)) -> bytes:
    return image_bytes("PNG", size, color)


def jpeg(size: tuple[int, int] = (64, 48), color=(40, 60, 200)) -> bytes:
    return image_bytes("JPEG", size, color, quality=90)


HTML_AS_PNG = b"<!doctype html><html><script>alert(document.cookie)</script></html>"
SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
       b'<script>alert(1)</script></svg>')
