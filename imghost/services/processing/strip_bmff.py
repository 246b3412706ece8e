"""Metadata removal for AVIF and HEIC (ISO base media files), without touching the pixels.

In these files EXIF and XMP are items whose bytes the `iloc` box points at. Cutting
them out would move every other item and mean rewriting offsets; instead their bytes
are overwritten in place (EXIF by an orientation-only block padded with zeros, XMP by
spaces), so every offset stays valid and the file keeps its exact size. The picture's
own rotation lives in the `irot`/`imir` properties, which are kept.

Only four fixed levels are read (file, meta, iinf/iloc, infe) and nothing recurses, so
however deep a file nests its boxes the walk stays as deep. Every count is checked
against the bytes of its box, so the work is bounded by the file's size.
"""

from __future__ import annotations

import struct
from typing import NamedTuple

from imghost.services.processing.bounded_reader import BoundedReader
from imghost.services.processing.errors import Malformed
from imghost.services.processing.orientation import orientation_only, read_orientation

XMP_TYPES = (b"application/rdf+xml",)
BOX_HEADER = 8
# iloc stores offsets, lengths, base offsets and extent indexes in 0, 4 or 8 bytes.
FIELD_SIZES = (0, 4, 8)


class ItemLocation(NamedTuple):
    spans: list[tuple[int, int]]  # (absolute offset, length)
    end: int  # where the item's data must end: the file's end, or the idat box's


def _boxes(data: bytes | bytearray, start: int, end: int):
    """(type, payload_start, box_end) for each box between start and end."""
    pos = start
    while pos + BOX_HEADER <= end:
        size, kind = struct.unpack(">I4s", data[pos:pos + 8])
        header = BOX_HEADER
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


def _full_box(data, start: int, end: int, what: str) -> tuple[int, BoundedReader]:
    """The version of a full box and a reader positioned after its version and flags."""
    reader = BoundedReader(data, start, end, what)
    version = reader.uint(1)
    reader.skip(3)  # flags
    return version, reader


def _metadata_items(data, start: int, end: int) -> dict[int, bytes]:
    """item_ID -> b"Exif" / b"XMP" for the metadata items listed in an iinf box."""
    version, reader = _full_box(data, start, end, "iinf box")
    reader.count(2 if version == 0 else 4, BOX_HEADER)  # each entry is an infe box
    found = {}
    for kind, payload, box_end in _boxes(data, reader.pos, end):
        if kind == b"infe":
            entry = _metadata_entry(data, payload, box_end)
            if entry is not None:
                found[entry[0]] = entry[1]
    return found


def _metadata_entry(data, start: int, end: int) -> tuple[int, bytes] | None:
    """(item_ID, b"Exif" / b"XMP") when an infe box describes a metadata item."""
    version, reader = _full_box(data, start, end, "infe box")
    if version < 2:
        return None  # versions 0 and 1 carry no item type
    item_id = reader.uint(2 if version == 2 else 4)
    reader.skip(2)  # item_protection_index
    item_type = reader.take(4)
    if item_type == b"Exif":
        return item_id, b"Exif"
    if item_type == b"mime":
        _name, terminated, rest = reader.take(reader.remaining).partition(b"\x00")
        if not terminated:
            raise Malformed("item name runs past its box")
        if rest.split(b"\x00", 1)[0] in XMP_TYPES:
            return item_id, b"XMP"
    return None


def _item_data(method: int, size: int, idat: tuple[int, int] | None) -> tuple[int | None, int]:
    """(start, end) of the bytes an item's offsets count in: the file or the idat box.

    (None, 0) for data not followed: items built from other items (method 2).
    """
    if method == 0:
        return 0, size
    if method == 1 and idat is not None:
        return idat
    return None, 0


def _extents(data, start: int, end: int,
             idat: tuple[int, int] | None) -> dict[int, ItemLocation]:
    """item_ID -> where its bytes are, from an iloc box (file and idat items)."""
    version, reader = _full_box(data, start, end, "iloc box")
    if version > 2:
        raise Malformed(f"iloc version {version}")
    has_method = version in (1, 2)
    sizes, more = reader.uint(1), reader.uint(1)
    offset_size, length_size, base_size = sizes >> 4, sizes & 0x0F, more >> 4
    index_size = more & 0x0F if has_method else 0
    if any(size not in FIELD_SIZES for size in (offset_size, length_size, base_size, index_size)):
        raise Malformed("iloc field size")
    id_size = 2 if version < 2 else 4
    item_size = id_size + (2 if has_method else 0) + 2 + base_size + 2
    extent_size = index_size + offset_size + length_size
    result = {}
    for _ in range(reader.count(id_size, item_size)):
        item_id = reader.uint(id_size)
        method = reader.uint(2) & 0x0F if has_method else 0
        reader.skip(2)  # data_reference_index
        base = reader.uint(base_size)
        extent_count = reader.count(2, extent_size)
        origin, data_end = _item_data(method, len(data), idat)
        spans = []
        # Extents of zero bytes all read as (offset 0, length 0): nothing to loop over.
        for _ in range(extent_count if extent_size else 0):
            reader.skip(index_size)
            offset, length = reader.uint(offset_size), reader.uint(length_size)
            if origin is not None and length:
                spans.append((origin + base + offset, length))
        result[item_id] = ItemLocation(spans, data_end)
    return result


def _metadata_spans(items: dict[int, bytes], extents: dict[int, ItemLocation],
                    size: int) -> list[tuple[bytes, list[tuple[int, int]]]]:
    """(kind, spans) per metadata item; together they may cover at most the whole file."""
    result, total = [], 0
    for item_id, kind in items.items():
        spans, data_end = extents.get(item_id, ItemLocation([], size))
        if any(offset + length > data_end for offset, length in spans):
            raise Malformed("metadata item runs past the end of its data")
        # Spans repeating the same bytes would make the rewrite below far bigger than the file.
        total += sum(length for _, length in spans)
        if total > size:
            raise Malformed("metadata items claim more bytes than the file has")
        result.append((kind, spans))
    return result


def _replacement(kind: bytes, original: bytes, length: int) -> bytes:
    if kind == b"XMP":
        return b" " * length
    # EXIF items start with a 4-byte offset to the TIFF header.
    tiff_at = 4 + int.from_bytes(original[:4], "big") if len(original) >= 4 else 4
    block = b"\x00\x00\x00\x00" + orientation_only(read_orientation(original[tiff_at:]))
    return block[:length].ljust(length, b"\x00") if len(block) <= length else b"\x00" * length


def _overwrite(buffer: bytearray, kind: bytes, spans: list[tuple[int, int]]) -> None:
    original = b"".join(bytes(buffer[offset:offset + length]) for offset, length in spans)
    new = _replacement(kind, original, len(original))
    at = 0
    for offset, length in spans:
        buffer[offset:offset + length] = new[at:at + length]
        at += length


def strip_bmff(data: bytes) -> bytes:
    buffer = bytearray(data)
    meta = next(((p, e) for kind, p, e in _boxes(buffer, 0, len(buffer)) if kind == b"meta"), None)
    if meta is None:
        raise Malformed("no meta box")
    _, meta_reader = _full_box(buffer, *meta, "meta box")
    children = {kind: (p, e) for kind, p, e in _boxes(buffer, meta_reader.pos, meta[1])}
    if b"iinf" not in children or b"iloc" not in children:
        return data
    items = _metadata_items(buffer, *children[b"iinf"])
    if not items:
        return data
    extents = _extents(buffer, *children[b"iloc"], children.get(b"idat"))
    for kind, spans in _metadata_spans(items, extents, len(buffer)):
        _overwrite(buffer, kind, spans)
    return bytes(buffer)
