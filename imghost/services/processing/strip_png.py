"""Lossless PNG metadata removal: keep the chunks that decide what the picture looks like.

Dropped: text (tEXt/zTXt/iTXt, where editors and cameras write authors, GPS, comments),
timestamps, EXIF (replaced by an orientation-only eXIf when it turned the picture) and
every unknown or private chunk. Animation (APNG) and colour chunks are kept.
"""

from __future__ import annotations

import struct
import zlib

from imghost.services.processing.errors import Malformed
from imghost.services.processing.orientation import orientation_only, read_orientation

SIGNATURE = b"\x89PNG\r\n\x1a\n"
KEEP = {
    b"IHDR", b"PLTE", b"IDAT", b"IEND",              # the picture
    b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP",     # transparency and colour
    b"sBIT", b"cICP", b"mDCV", b"cLLI", b"bKGD", b"pHYs",
    b"acTL", b"fcTL", b"fdAT",                      # APNG animation
}


def chunk(kind: bytes, payload: bytes) -> bytes:
    return (struct.pack(">I", len(payload)) + kind + payload
            + struct.pack(">I", zlib.crc32(kind + payload)))


def strip_png(data: bytes) -> bytes:
    if not data.startswith(SIGNATURE):
        raise Malformed("no PNG signature")
    out = [SIGNATURE]
    pos, size = len(SIGNATURE), len(data)
    while pos + 12 <= size:
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        end = pos + 12 + length
        if end > size:
            raise Malformed("PNG chunk runs past the end")
        if kind in KEEP:
            out.append(data[pos:end])
        elif kind == b"eXIf":
            orientation = read_orientation(data[pos + 8:end - 4])
            if orientation != 1:
                out.append(chunk(b"eXIf", orientation_only(orientation)))
        if kind == b"IEND":
            return b"".join(out)  # bytes after the end are dropped too
        pos = end
    raise Malformed("PNG has no end chunk")
