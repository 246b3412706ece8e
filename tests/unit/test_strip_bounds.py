"""The strippers believe no count or length a file declares beyond the bytes it really has.

Each case is one class of hostile structure; on the old code each one hung the worker,
read past the end of its box, or went on parsing another box's bytes as its own.
"""

from __future__ import annotations

import struct
import time

import pytest

from imghost.services.processing.bounded_reader import BoundedReader
from imghost.services.processing.errors import Malformed
from imghost.services.processing.strip import strip_metadata
from tests.support.containers import (
    avif_claiming_items,
    avif_ftyp,
    avif_with_meta,
    bmff_box,
    bmff_full_box,
    exif_item_info,
    riff_chunk,
)

# Each call below takes microseconds; the bound only has to be far below "hangs".
TIME_LIMIT = 1.0


def strip_timed(data: bytes, content_type: str = "image/avif") -> bytes | Malformed:
    """The stripped file or the refusal, checked to have come at once."""
    started = time.perf_counter()
    try:
        outcome = strip_metadata(data, content_type)
    except Malformed as refusal:
        outcome = refusal
    assert time.perf_counter() - started < TIME_LIMIT
    return outcome


def refused(data: bytes, content_type: str = "image/avif") -> Malformed:
    outcome = strip_timed(data, content_type)
    assert isinstance(outcome, Malformed), "the file was accepted"
    return outcome


def iloc(version: int, sizes: int, more: int, count: bytes, items: bytes = b"") -> bytes:
    return bmff_full_box(b"iloc", version, bytes((sizes, more)) + count + items)


@pytest.mark.timeout(10)
def test_an_avif_declaring_four_billion_items_is_refused_at_once():
    # The reported finding: 89 bytes kept a worker busy for about two hours.
    data = avif_claiming_items(0xFFFFFFFF)
    assert len(data) == 89
    refusal = refused(data)
    assert refusal.code == "not_an_image"
    assert "4294967295" in refusal.detail


@pytest.mark.timeout(10)
@pytest.mark.parametrize("count", [1, 0xFFFF])
def test_iloc_items_beyond_the_box_are_not_read_from_the_next_one(count):
    # The missing item would otherwise be read out of the idat box that follows.
    data = avif_with_meta(exif_item_info(), iloc(0, 0x44, 0x00, struct.pack(">H", count)),
                          bmff_box(b"idat", b"\x00\x01" * 64))
    assert "iloc box" in refused(data).detail


@pytest.mark.timeout(10)
def test_extents_beyond_the_box_are_refused():
    item = struct.pack(">HHH", 1, 0, 0xFFFF)  # item 1 says 65535 extents of 8 bytes follow
    data = avif_with_meta(exif_item_info(), iloc(0, 0x44, 0x00, struct.pack(">H", 1), item))
    assert "65535" in refused(data).detail


@pytest.mark.timeout(10)
def test_zero_byte_extents_are_not_looped_over():
    # With every field size 0 an extent takes no bytes, so no byte count can bound
    # 65535 of them per item: 4,000 items were 260 million empty iterations.
    items = struct.pack(">HHH", 1, 0, 0xFFFF) * 4000
    data = avif_with_meta(exif_item_info(), iloc(0, 0x00, 0x00, struct.pack(">H", 4000), items))
    assert strip_timed(data) == data  # nothing to overwrite: no extent has a length


@pytest.mark.timeout(10)
def test_metadata_spans_repeating_the_whole_file_are_refused():
    # 4,000 extents each covering the whole file: rewriting them copied 128 MB, then
    # shifted what was left after every extent (quadratic, hundreds of GB).
    def build(length: int) -> bytes:
        items = struct.pack(">HHH", 1, 0, 4000) + struct.pack(">II", 0, length) * 4000
        return avif_with_meta(exif_item_info(), iloc(0, 0x44, 0x00, struct.pack(">H", 1), items))
    data = build(len(build(0)))
    assert "more bytes than the file has" in refused(data).detail


def idat_exif(extent_length: int) -> bytes:
    """An EXIF item kept in an idat box (construction method 1), one extent long."""
    item = struct.pack(">HHHHII", 1, 1, 0, 1, 0, extent_length)  # id, method, dref, 1 extent
    secret = b"\x00\x00\x00\x00GPS-SECRET-IN-IDAT"
    return avif_with_meta(exif_item_info(), iloc(1, 0x44, 0x00, struct.pack(">H", 1), item),
                          bmff_box(b"idat", secret), media=b"pixels" * 4)


def test_an_exif_item_inside_idat_is_overwritten():
    data = idat_exif(22)
    stripped = strip_timed(data)
    assert b"GPS-SECRET" not in stripped and len(stripped) == len(data)
    assert stripped.endswith(bmff_box(b"mdat", b"pixels" * 4))


@pytest.mark.timeout(10)
def test_an_idat_item_running_past_its_box_is_refused():
    # Its extent reaches into the mdat after the idat box: picture bytes, not metadata.
    assert "past the end of its data" in refused(idat_exif(22 + 8)).detail


@pytest.mark.timeout(10)
def test_an_item_entry_shorter_than_its_fields_is_refused():
    # An infe box that stops after its version: its item ID and type would come
    # from the iloc box after it.
    item_info = bmff_full_box(b"iinf", 0, struct.pack(">H", 1) + bmff_full_box(b"infe", 2, b""))
    data = avif_with_meta(item_info, iloc(0, 0x44, 0x00, struct.pack(">H", 0)))
    assert "infe box" in refused(data).detail


@pytest.mark.timeout(10)
@pytest.mark.parametrize(("sizes", "more"), [(0xF4, 0x00), (0x4F, 0x00), (0x44, 0x30)],
                         ids=["offset-15", "length-15", "base-3"])
def test_iloc_field_sizes_other_than_0_4_8_are_refused(sizes, more):
    data = avif_with_meta(exif_item_info(), iloc(0, sizes, more, struct.pack(">H", 0)))
    assert "iloc field size" in refused(data).detail


@pytest.mark.timeout(10)
def test_a_meta_box_without_room_for_its_version_is_refused():
    data = avif_ftyp() + bmff_box(b"meta", b"\x00\x00")
    assert "meta box" in refused(data).detail


@pytest.mark.timeout(10)
def test_deeply_nested_boxes_are_not_followed():
    # 100,000 meta boxes, each the only child of the one before: the walk reads its
    # four fixed levels and stops, whatever the nesting.
    levels = 100_000
    nested = b"".join(struct.pack(">I", 12 * (levels - depth)) + b"meta" + b"\x00\x00\x00\x00"
                      for depth in range(levels))
    data = avif_ftyp() + nested
    assert strip_timed(data) == data


def test_a_webp_extended_header_too_short_for_its_fields_is_refused():
    body = b"WEBP" + riff_chunk(b"VP8X", b"\x00\x00") + riff_chunk(b"VP8L", b"\x2f" + b"\x00" * 9)
    data = b"RIFF" + struct.pack("<I", len(body)) + body
    assert "VP8X" in refused(data, "image/webp").detail


def test_the_reader_refuses_to_read_past_its_end_instead_of_returning_zero():
    reader = BoundedReader(b"\x00\x01\x02\x03\x04\x05", 2, 4, "test box")
    assert reader.uint(2) == 0x0203
    assert reader.uint(0) == 0  # an absent field, not a read
    with pytest.raises(Malformed):
        reader.uint(1)  # byte 4 exists in the data, but not in this box


def test_the_reader_refuses_counts_its_bytes_cannot_hold():
    reader = BoundedReader(b"\x00\x03" + b"\x00" * 8, 0, 10, "test box")
    with pytest.raises(Malformed):
        reader.count(2, each=4)  # 3 entries of 4 bytes in 8 bytes
    assert BoundedReader(b"\x00\x02" + b"\x00" * 8, 0, 10, "box").count(2, each=4) == 2
