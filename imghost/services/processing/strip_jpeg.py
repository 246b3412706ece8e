"""Lossless JPEG metadata removal: drop segments, never touch the compressed pixels.

Kept: everything needed to decode and show the picture right (frame, tables, scans,
JFIF without its thumbnail, ICC profile, Adobe colour transform) plus an orientation-
only EXIF block. Dropped: EXIF (GPS, serials), XMP, IPTC/Photoshop, comments, MPF and
anything after the end-of-image marker (phones append depth maps and second images
there, each with its own metadata).
"""

from __future__ import annotations

import struct

from imghost.services.processing.errors import Malformed
from imghost.services.processing.orientation import EXIF_PREFIX, orientation_only, read_orientation

SOI, EOI, SOS, APP0, APP1, APP2, APP14, COM = 0xD8, 0xD9, 0xDA, 0xE0, 0xE1, 0xE2, 0xEE, 0xFE
# Markers without a length field.
STANDALONE = {0x01, *range(0xD0, 0xD8)}
JFIF_FIXED = 14  # "JFIF\0" + version, units, densities, thumbnail width/height
# Progressive JPEGs use about 10 scans; thousands of tiny scans make libjpeg spend
# minutes on one small file (a known CPU-exhaustion trick), so they are refused.
MAX_SCANS = 256


def _segment(marker: int, payload: bytes) -> bytes:
    return bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload


def _kept(marker: int, payload: bytes) -> bytes | None:
    """The segment to write for an APPn/COM segment, or None to drop it."""
    if marker == APP0 and payload.startswith(b"JFIF\x00") and len(payload) >= JFIF_FIXED:
        # The JFIF header may embed a thumbnail: a second copy of the picture.
        return _segment(marker, payload[:12] + b"\x00\x00")
    if marker == APP1 and payload.startswith(EXIF_PREFIX):
        orientation = read_orientation(payload)
        return _segment(marker, EXIF_PREFIX + orientation_only(orientation)) if orientation != 1 else b""
    if marker == APP2 and payload.startswith(b"ICC_PROFILE\x00"):
        return _segment(marker, payload)
    if marker == APP14 and payload.startswith(b"Adobe"):
        return _segment(marker, payload)  # says whether the data is YCbCr or RGB/CMYK
    return None


def _scan_end(data: bytes, pos: int) -> int:
    """Index of the marker ending the entropy-coded data that starts at pos."""
    while True:
        found = data.find(b"\xff", pos)
        if found < 0 or found + 1 >= len(data):
            raise Malformed("JPEG scan data runs past the end")
        following = data[found + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
            pos = found + 1 if following == 0xFF else found + 2  # stuffed byte, restart, fill
            continue
        return found


def strip_jpeg(data: bytes) -> bytes:
    if not data.startswith(b"\xff\xd8"):
        raise Malformed("no JPEG start marker")
    out = [b"\xff\xd8"]
    pos, size, scans = 2, len(data), 0
    while True:
        if pos >= size or data[pos] != 0xFF:
            raise Malformed("JPEG marker expected")
        while pos < size and data[pos] == 0xFF:  # fill bytes may pad before a marker
            pos += 1
        if pos >= size:
            raise Malformed("JPEG ends inside a marker")
        marker = data[pos]
        pos += 1
        if marker == EOI:
            out.append(b"\xff\xd9")
            return b"".join(out)  # anything after the end of the image is dropped
        if marker in STANDALONE:
            out.append(bytes((0xFF, marker)))
            continue
        if marker == SOI or pos + 2 > size:
            raise Malformed("unexpected JPEG marker")
        (length,) = struct.unpack(">H", data[pos:pos + 2])
        end = pos + length
        if length < 2 or end > size:
            raise Malformed("JPEG segment runs past the end")
        payload = data[pos + 2:end]
        if 0xE0 <= marker <= 0xEF or marker == COM:
            kept = _kept(marker, payload)
            if kept:
                out.append(kept)
            pos = end
            continue
        out.append(_segment(marker, payload))
        pos = end
        if marker == SOS:
            scans += 1
            if scans > MAX_SCANS:
                raise Malformed(f"more than {MAX_SCANS} scans")
            scan_end = _scan_end(data, pos)
            out.append(data[pos:scan_end])
            pos = scan_end
