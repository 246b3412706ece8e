"""Container building blocks (boxes, chunks, segments) for hand-made hostile files."""

from __future__ import annotations

import struct
import zlib


def bmff_box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def bmff_full_box(kind: bytes, version: int, payload: bytes, flags: int = 0) -> bytes:
    return bmff_box(kind, bytes((version,)) + flags.to_bytes(3, "big") + payload)


def avif_ftyp() -> bytes:
    return bmff_box(b"ftyp", b"avif" + b"\x00\x00\x00\x00" + b"avifmif1")


def heic_ftyp() -> bytes:
    return bmff_box(b"ftyp", b"heic" + b"\x00\x00\x00\x00" + b"mif1heic")


def exif_item_info(item_id: int = 1) -> bytes:
    """An iinf box listing one EXIF item, so the stripper goes on to read iloc."""
    infe = bmff_full_box(b"infe", 2, struct.pack(">HH", item_id, 0) + b"Exif" + b"\x00")
    return bmff_full_box(b"iinf", 0, struct.pack(">H", 1) + infe)


def avif_with_meta(*children: bytes, media: bytes = b"") -> bytes:
    """ftyp, a meta box holding children, then an mdat box with media."""
    meta = bmff_box(b"meta", b"\x00\x00\x00\x00" + b"".join(children))
    return avif_ftyp() + meta + (bmff_box(b"mdat", media) if media else b"")


def avif_claiming_items(count: int = 0xFFFFFFFF) -> bytes:
    """89 bytes whose iloc declares `count` items and holds none (the reported finding)."""
    iloc = bmff_full_box(b"iloc", 2, bytes((0x44, 0x00)) + struct.pack(">I", count))
    return avif_with_meta(exif_item_info(), iloc)


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return (struct.pack(">I", len(payload)) + kind + payload
            + struct.pack(">I", zlib.crc32(kind + payload)))


def riff_chunk(kind: bytes, payload: bytes) -> bytes:
    return kind + struct.pack("<I", len(payload)) + payload + b"\x00" * (len(payload) % 2)


def jpeg_segment(marker: int, payload: bytes) -> bytes:
    return bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload
