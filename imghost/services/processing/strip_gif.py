"""Lossless GIF metadata removal: drop comment and unknown application extensions.

Kept: frames, graphic control (delays, transparency), plain text, and the NETSCAPE /
ANIMEXTS loop extension, so an animated GIF stays animated. XMP lives in an
application extension and goes with the rest.
"""

from __future__ import annotations

from imghost.services.processing.errors import Malformed

EXTENSION, IMAGE, TRAILER = 0x21, 0x2C, 0x3B
GRAPHIC_CONTROL, PLAIN_TEXT, APPLICATION = 0xF9, 0x01, 0xFF
LOOP_APPLICATIONS = (b"NETSCAPE2.0", b"ANIMEXTS1.0")


def _color_table_size(packed: int) -> int:
    return 3 * (2 ** ((packed & 0x07) + 1)) if packed & 0x80 else 0


def _skip_sub_blocks(data: bytes, pos: int) -> int:
    """Index just past the zero-length block that ends a run of data sub-blocks."""
    while True:
        if pos >= len(data):
            raise Malformed("GIF data runs past the end")
        length = data[pos]
        pos += 1 + length
        if length == 0:
            return pos


def strip_gif(data: bytes) -> bytes:
    if data[:6] not in (b"GIF87a", b"GIF89a") or len(data) < 13:
        raise Malformed("no GIF header")
    pos = 13 + _color_table_size(data[10])
    out = [data[:pos]]
    while pos < len(data):
        introducer = data[pos]
        if introducer == TRAILER:
            out.append(b";")
            return b"".join(out)
        if introducer == IMAGE:
            if pos + 11 > len(data):
                raise Malformed("GIF frame header runs past the end")
            start = pos
            pos += 10 + _color_table_size(data[pos + 9]) + 1  # descriptor, table, LZW size
            pos = _skip_sub_blocks(data, pos)
            out.append(data[start:pos])
        elif introducer == EXTENSION and pos + 2 < len(data):
            start, label = pos, data[pos + 1]
            pos = _skip_sub_blocks(data, pos + 2)
            block = data[start:pos]
            if label in (GRAPHIC_CONTROL, PLAIN_TEXT) or (
                    label == APPLICATION and block[3:14] in LOOP_APPLICATIONS):
                out.append(block)
        else:
            raise Malformed("unknown GIF block")
    raise Malformed("GIF has no trailer")
