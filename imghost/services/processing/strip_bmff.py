"""Metadata removal for AVIF and HEIC (ISO base media files), without touching the pixels.

In these files EXIF and XMP are items whose bytes the `iloc` box points at. Cutting
them out would move every other item and mean rewriting offsets; instead their bytes
are overwritten in place (EXIF by an orientation-only block padded with zeros, XMP by
spaces), so every offset stays valid and the file keeps its exact size. The picture's
own rotation lives in the `irot`/`imir` properties, which are kept.
"""

from __future__ import annotations

import struct

from imghost.services.processing.errors import Malformed
from imghost.services.processing.orientation import orientation_only, read_orientation

XMP_TYPES = (b"application/rdf+xml",)


def _boxes(data: bytes | bytearray, start: int, end: int):
    """(type, payload_start, box_end) for each box between start and end."""
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack(">I4s", data[pos:pos + 8])
        header = 8
        if size == 1:
            if pos + 16 > end:
                raise Malformed("box header runs past the end")
            (size,) = struct.unpack(">Q", data[pos + 8:pos + 16])
            header = 16
        elif size == 0:
            size = end - pos
        if size < header or pos + size > end:
            raise Malformed("box runs past the end")
        yield kind, pos + header, pos + size
        pos += size


def _uint(data, pos: int, size: int) -> tuple[int, int]:
    if size == 0:
        return 0, pos
    return int.from_bytes(data[pos:pos + size], "big"), pos + size


def _metadata_items(data, start: int, end: int) -> dict[int, bytes]:
    """item_ID -> b"Exif" / b"XMP" for the metadata items listed in an iinf box."""
    version = data[start]
    pos = start + 4 + (2 if version == 0 else 4)
    found = {}
    for kind, payload, box_end in _boxes(data, pos, end):
        if kind != b"infe" or data[payload] < 2:
            continue
        infe_version = data[payload]
        id_size = 2 if infe_version == 2 else 4
        item_id, pos = _uint(data, payload + 4, id_size)
        item_type = bytes(data[pos + 2:pos + 6])
        if item_type == b"Exif":
            found[item_id] = b"Exif"
        elif item_type == b"mime":
            name_end = data.index(b"\x00", pos + 6, box_end)
            content_type = bytes(data[name_end + 1:box_end]).split(b"\x00", 1)[0]
            if content_type in XMP_TYPES:
                found[item_id] = b"XMP"
    return found


def _extents(data, start: int, idat_start: int | None) -> dict[int, list[tuple[int, int]]]:
    """item_ID -> [(absolute offset, length)] from an iloc box (file and idat items)."""
    version = data[start]
    offset_size, length_size = data[start + 4] >> 4, data[start + 4] & 0x0F
    base_size, index_size = data[start + 5] >> 4, data[start + 5] & 0x0F
    pos = start + 6
    count, pos = _uint(data, pos, 2 if version < 2 else 4)
    result = {}
    for _ in range(count):
        item_id, pos = _uint(data, pos, 2 if version < 2 else 4)
        method = 0
        if version in (1, 2):
            method, pos = _uint(data, pos, 2)
            method &= 0x0F
        pos += 2  # data_reference_index
        base, pos = _uint(data, pos, base_size)
        extent_count, pos = _uint(data, pos, 2)
        spans = []
        for _ in range(extent_count):
            if version in (1, 2):
                _, pos = _uint(data, pos, index_size)
            offset, pos = _uint(data, pos, offset_size)
            length, pos = _uint(data, pos, length_size)
            origin = 0 if method == 0 else idat_start if method == 1 else None
            if origin is not None and length:
                spans.append((origin + base + offset, length))
        result[item_id] = spans
    return result


def _replacement(kind: bytes, original: bytes, length: int) -> bytes:
    if kind == b"XMP":
        return b" " * length
    # EXIF items start with a 4-byte offset to the TIFF header.
    tiff_at = 4 + int.from_bytes(original[:4], "big") if len(original) >= 4 else 4
    block = b"\x00\x00\x00\x00" + orientation_only(read_orientation(original[tiff_at:]))
    return block[:length].ljust(length, b"\x00") if len(block) <= length else b"\x00" * length


def strip_bmff(data: bytes) -> bytes:
    buffer = bytearray(data)
    meta = next(((p, e) for kind, p, e in _boxes(buffer, 0, len(buffer)) if kind == b"meta"), None)
    if meta is None:
        raise Malformed("no meta box")
    children = {kind: (p, e) for kind, p, e in _boxes(buffer, meta[0] + 4, meta[1])}
    if b"iinf" not in children or b"iloc" not in children:
        return data
    items = _metadata_items(buffer, *children[b"iinf"])
    if not items:
        return data
    idat_start = children[b"idat"][0] if b"idat" in children else None
    extents = _extents(buffer, children[b"iloc"][0], idat_start)
    for item_id, kind in items.items():
        spans = extents.get(item_id, [])
        if any(offset + length > len(buffer) for offset, length in spans):
            raise Malformed("metadata item runs past the end")
        original = b"".join(bytes(buffer[o:o + n]) for o, n in spans)
        new = _replacement(kind, original, len(original))
        for offset, length in spans:
            buffer[offset:offset + length], new = new[:length], new[length:]
    return bytes(buffer)
