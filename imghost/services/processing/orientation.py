"""EXIF orientation: the one piece of metadata kept, because without it photos turn sideways."""

from __future__ import annotations

import struct

from PIL import Image

ORIENTATION_TAG = 0x0112
EXIF_PREFIX = b"Exif\x00\x00"


def read_orientation(exif: bytes) -> int:
    """The orientation (1-8) in an EXIF/TIFF block, 1 when absent or unreadable."""
    tiff = exif[len(EXIF_PREFIX):] if exif.startswith(EXIF_PREFIX) else exif
    try:
        parsed = Image.Exif()
        parsed.load(tiff)
        value = int(parsed.get(ORIENTATION_TAG, 1))
    except Exception:  # noqa: BLE001 - broken EXIF means "no orientation", never a crash
        return 1
    return value if 1 <= value <= 8 else 1


def orientation_only(orientation: int) -> bytes:
    """A minimal big-endian TIFF block holding just the orientation tag (no prefix)."""
    header = b"MM\x00\x2a" + struct.pack(">I", 8)
    entry = struct.pack(">HHIHH", ORIENTATION_TAG, 3, 1, orientation, 0)  # SHORT, count 1
    return header + struct.pack(">H", 1) + entry + struct.pack(">I", 0)


def swaps_sides(orientation: int) -> bool:
    """Orientations 5-8 turn the picture a quarter: width and height trade places."""
    return orientation in (5, 6, 7, 8)
