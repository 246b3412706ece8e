"""Hypothesis strategies for structurally plausible, often hostile, image containers.

Each file starts with a valid signature and is made of real-looking boxes, chunks or
segments, but any count or length in it may lie: too small, past the end, or huge.
That is what reaches the strippers' loops; random bytes would be refused at the header.
"""

from __future__ import annotations

import struct

from hypothesis import strategies as st

from tests.support.containers import bmff_box, jpeg_segment, png_chunk, riff_chunk

HUGE = (0xFF, 0xFFFF, 0x7FFF_FFFF, 0xFFFF_FFFF)
payloads = st.binary(max_size=48)


@st.composite
def claimed(draw, actual: int, limit: int = 0xFFFF_FFFF) -> int:
    """A length or count field: usually the truth, else a little off, zero or huge."""
    # "true" first and most often: hypothesis shrinks towards it, and most fields of a
    # file must hold for the parser to reach the deeper structures at all.
    choice = draw(st.sampled_from(["true"] * 8 + ["off", "zero", "huge", "any"]))
    if choice == "true":
        value = actual
    elif choice == "off":
        value = actual + draw(st.integers(-3, 3))
    elif choice == "zero":
        value = 0
    elif choice == "huge":
        value = draw(st.sampled_from(HUGE))
    else:
        value = draw(st.integers(0, limit))
    return min(max(value, 0), limit)


def uint(value: int, size: int) -> bytes:
    return (value % (1 << (8 * size))).to_bytes(size, "big") if size else b""


# --- PNG ---------------------------------------------------------------------------------

PNG_KINDS = [b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"acTL",
             b"fcTL", b"fdAT", b"tIME", b"prVt"]


@st.composite
def png_files(draw) -> bytes:
    out = [b"\x89PNG\r\n\x1a\n"]
    for _ in range(draw(st.integers(0, 12))):
        kind = draw(st.sampled_from(PNG_KINDS) | st.binary(min_size=4, max_size=4))
        payload = draw(payloads)
        whole = png_chunk(kind, payload)
        out.append(struct.pack(">I", draw(claimed(len(payload)))) + whole[4:])
    if draw(st.booleans()):
        out.append(png_chunk(b"IEND", b""))
    out.append(draw(st.binary(max_size=16)))
    return b"".join(out)


# --- JPEG --------------------------------------------------------------------------------

JPEG_MARKERS = [0xE0, 0xE1, 0xE2, 0xED, 0xEE, 0xFE, 0xDB, 0xC0, 0xC2, 0xC4, 0xDD, 0xDA,
                0xD0, 0xD7, 0x01, 0xD8, 0xD9, 0xFF]


@st.composite
def jpeg_files(draw) -> bytes:
    out = [b"\xff\xd8"]
    for _ in range(draw(st.integers(0, 16))):
        marker = draw(st.sampled_from(JPEG_MARKERS) | st.integers(0, 255))
        prefix = b"Exif\x00\x00" if marker == 0xE1 and draw(st.booleans()) else b""
        payload = prefix + draw(payloads)
        segment = jpeg_segment(marker, payload)
        length = draw(claimed(len(payload) + 2, limit=0xFFFF))
        out.append(b"\xff" * draw(st.integers(0, 2)) + segment[:2] + struct.pack(">H", length)
                   + segment[4:])
        if marker == 0xDA:  # entropy-coded data, with stuffed bytes, restarts and fill
            out.append(draw(st.lists(st.sampled_from([b"\x00", b"\x12", b"\xff\x00", b"\xff\xd3",
                                                      b"\xff\xff", b"\xff"]), max_size=24)
                            .map(b"".join)))
    if draw(st.booleans()):
        out.append(b"\xff\xd9")
    return b"".join(out)


# --- GIF ---------------------------------------------------------------------------------

@st.composite
def gif_sub_blocks(draw) -> bytes:
    out = []
    for _ in range(draw(st.integers(0, 4))):
        data = draw(st.binary(max_size=20))
        out.append(bytes((draw(claimed(len(data), limit=255)),)) + data)
    if draw(st.integers(0, 4)):  # usually terminated
        out.append(b"\x00")
    return b"".join(out)


@st.composite
def gif_colour_table(draw, packed: int) -> bytes:
    """The table the packed byte announces, or any number of bytes instead."""
    size = 3 * 2 ** ((packed & 0x07) + 1) if packed & 0x80 else 0
    return b"\x00" * draw(claimed(size, limit=800))


@st.composite
def gif_files(draw) -> bytes:
    packed = draw(st.integers(0, 255))
    out = [draw(st.sampled_from([b"GIF89a", b"GIF87a"])), struct.pack("<HH", 4, 4),
           bytes((packed, 0, 0)), draw(gif_colour_table(packed))]
    for _ in range(draw(st.integers(0, 8))):
        if draw(st.booleans()):
            local = draw(st.integers(0, 255))
            out.append(b"\x2c" + draw(st.binary(min_size=8, max_size=8)) + bytes((local,))
                       + draw(gif_colour_table(local)) + b"\x02" + draw(gif_sub_blocks()))
        else:
            label = draw(st.sampled_from([0xF9, 0x01, 0xFF, 0xFE]) | st.integers(0, 255))
            name = b"\x0bNETSCAPE2.0" if label == 0xFF and draw(st.booleans()) else b""
            out.append(bytes((0x21, label)) + name + draw(gif_sub_blocks()))
    if draw(st.booleans()):
        out.append(b";")
    return b"".join(out)


# --- WebP --------------------------------------------------------------------------------

WEBP_KINDS = [b"VP8X", b"VP8 ", b"VP8L", b"ALPH", b"ANIM", b"ANMF", b"ICCP", b"EXIF", b"XMP "]


@st.composite
def webp_files(draw) -> bytes:
    chunks = []
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(st.sampled_from(WEBP_KINDS) | st.binary(min_size=4, max_size=4))
        payload = draw(payloads)
        whole = riff_chunk(kind, payload)
        chunks.append(kind + struct.pack("<I", draw(claimed(len(payload)))) + whole[8:])
    body = b"WEBP" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", draw(claimed(len(body)))) + body


# --- AVIF / HEIC (ISO-BMFF) --------------------------------------------------------------

# Mostly inside the few hundred bytes generated, so metadata items do get overwritten.
extent_offsets = st.integers(0, 200) | st.sampled_from(HUGE)
extent_lengths = st.integers(0, 48) | st.sampled_from(HUGE)


def hostile_counts(actual: int):
    """iloc's counts drive its loops (the reported finding), so they lie more often."""
    return st.one_of(claimed(actual), claimed(actual), st.sampled_from(HUGE[1:]))


@st.composite
def boxed(draw, kind: bytes, payload: bytes) -> bytes:
    """A box whose size may lie, or take the 64-bit or runs-to-the-end forms."""
    form = draw(st.sampled_from(["true"] * 12 + ["lie", "large", "to_end"]))
    if form == "true":
        return bmff_box(kind, payload)
    if form == "large":
        size = draw(claimed(16 + len(payload), limit=(1 << 64) - 1))
        return struct.pack(">I", 1) + kind + struct.pack(">Q", size) + payload
    size = 0 if form == "to_end" else draw(claimed(8 + len(payload)))
    return struct.pack(">I", size) + kind + payload


@st.composite
def cut(draw, payload: bytes) -> bytes:
    """Usually the payload; sometimes cut short, as a truncated or lying file has it."""
    return payload[:draw(st.integers(0, len(payload)))] if draw(st.integers(0, 7)) == 0 else payload


@st.composite
def infe_boxes(draw) -> bytes:
    version = draw(st.sampled_from([2, 3, 0, 1]))
    item_type = draw(st.sampled_from([b"Exif", b"mime", b"av01"]))
    name = draw(st.sampled_from([b"\x00", b"XMP\x00", b"", b"unterminated"]))
    tail = (b"application/rdf+xml\x00" if item_type == b"mime" and draw(st.booleans())
            else draw(st.binary(max_size=8)))
    payload = (bytes((version, 0, 0, 0)) + uint(draw(st.integers(0, 2)), 2 if version == 2 else 4)
               + b"\x00\x00" + item_type + name + tail)
    return draw(boxed(b"infe", draw(cut(payload))))


@st.composite
def iinf_boxes(draw) -> bytes:
    version = draw(st.sampled_from([0, 1]))
    entries = draw(st.lists(infe_boxes(), min_size=1, max_size=4))
    count = uint(draw(claimed(len(entries))), 2 if version == 0 else 4)
    return draw(boxed(b"iinf", draw(cut(bytes((version, 0, 0, 0)) + count + b"".join(entries)))))


@st.composite
def iloc_field_sizes(draw) -> tuple[int, int, int, int]:
    """offset, length, base offset and index sizes: 0, 4 or 8, now and then any nibble."""
    sizes = [draw(st.sampled_from([4, 8, 0])) for _ in range(4)]
    if draw(st.integers(0, 5)) == 0:
        sizes[draw(st.integers(0, 3))] = draw(st.integers(0, 15))
    return tuple(sizes)


@st.composite
def iloc_items(draw, version: int, sizes: tuple[int, int, int, int]) -> bytes:
    offset_size, length_size, base_size, index_size = sizes
    extents = draw(st.integers(0, 4))
    item = uint(draw(st.integers(0, 2)), 2 if version < 2 else 4)
    if version in (1, 2):
        item += uint(draw(st.integers(0, 2)), 2)  # construction method: file, idat, item
    item += b"\x00\x00" + uint(draw(st.integers(0, 300)), base_size)
    item += uint(draw(hostile_counts(extents)), 2)
    for _ in range(extents):
        if version in (1, 2):
            item += uint(draw(st.integers(0, 3)), index_size)
        item += uint(draw(extent_offsets), offset_size) + uint(draw(extent_lengths), length_size)
    return item


@st.composite
def iloc_boxes(draw) -> bytes:
    # Version 2 first: its 4-byte item count is the one that reaches billions.
    version = draw(st.sampled_from([2, 2, 2, 0, 1, 3]))
    sizes = draw(iloc_field_sizes())
    items = draw(st.lists(iloc_items(version, sizes), max_size=4))
    offset_size, length_size, base_size, index_size = sizes
    header = bytes((version, 0, 0, 0, offset_size << 4 | length_size, base_size << 4 | index_size))
    count = uint(draw(hostile_counts(len(items))), 2 if version < 2 else 4)
    return draw(boxed(b"iloc", draw(cut(header + count + b"".join(items)))))


@st.composite
def bmff_files(draw, ftyp: bytes) -> bytes:
    """ftyp, a meta box holding iinf/iloc/idat and others, and media data to point into."""
    children = [draw(iinf_boxes()), draw(iloc_boxes())]
    children += draw(st.lists(st.binary(max_size=24).flatmap(lambda data: boxed(b"idat", data))
                              | st.just(bmff_box(b"pitm", b"\x00\x00\x00\x00\x00\x01")), max_size=2))
    children = draw(st.permutations(children))
    meta_header = draw(st.sampled_from([b"\x00\x00\x00\x00"] * 6 + [b"", b"\x00"]))
    meta = draw(boxed(b"meta", meta_header + b"".join(children)))
    media = bmff_box(b"mdat", draw(st.binary(min_size=0, max_size=200)))
    return ftyp + meta + media
