"""Lossless WebP metadata removal: drop XMP and unknown RIFF chunks, shrink EXIF to orientation."""

from __future__ import annotations

import struct

from imghost.services.processing.errors import Malformed
from imghost.services.processing.orientation import orientation_only, read_orientation

KEEP = {b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF", b"ICCP"}
# VP8X feature flags that must agree with the chunks present.
EXIF_FLAG, XMP_FLAG = 0x08, 0x04
VP8X_SIZE = 10  # flags, reserved bytes, canvas width and height; libwebp refuses less


def _chunk(kind: bytes, payload: bytes) -> bytes:
    return kind + struct.pack("<I", len(payload)) + payload + (b"\x00" if len(payload) % 2 else b"")


def strip_webp(data: bytes) -> bytes:
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise Malformed("no WebP header")
    (riff_size,) = struct.unpack("<I", data[4:8])
    end_of_riff = 8 + riff_size
    if end_of_riff > len(data):
        raise Malformed("WebP is shorter than its header says")
    chunks: list[tuple[bytes, bytes]] = []
    pos = 12
    while pos < end_of_riff:
        if pos + 8 > end_of_riff:
            raise Malformed("WebP chunk header runs past the end")
        kind = data[pos:pos + 4]
        (length,) = struct.unpack("<I", data[pos + 4:pos + 8])
        payload_end = pos + 8 + length
        if payload_end > end_of_riff:
            raise Malformed("WebP chunk runs past the end")
        payload = data[pos + 8:payload_end]
        if kind in KEEP:
            chunks.append((kind, payload))
        elif kind == b"EXIF":
            orientation = read_orientation(payload)
            if orientation != 1:
                chunks.append((kind, orientation_only(orientation)))
        pos = payload_end + (length % 2)
    if not chunks:
        raise Malformed("WebP has no image data")
    has_exif = any(kind == b"EXIF" for kind, _ in chunks)
    if chunks[0][0] == b"VP8X":
        if len(chunks[0][1]) < VP8X_SIZE:
            raise Malformed("WebP VP8X chunk is too short")
        flags = chunks[0][1][0] & ~(EXIF_FLAG | XMP_FLAG) | (EXIF_FLAG if has_exif else 0)
        chunks[0] = (b"VP8X", bytes((flags,)) + chunks[0][1][1:])
    body = b"WEBP" + b"".join(_chunk(kind, payload) for kind, payload in chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body
