"""The image types imghost accepts, and how to recognise them from their first bytes.

SVG, HTML and everything else are refused: a browser would run their script.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ImageType:
    content_type: str
    extension: str
    label: str


JPEG = ImageType("image/jpeg", "jpg", "JPEG")
PNG = ImageType("image/png", "png", "PNG")
GIF = ImageType("image/gif", "gif", "GIF")
WEBP = ImageType("image/webp", "webp", "WebP")
AVIF = ImageType("image/avif", "avif", "AVIF")
# Phones' default; decoded by pillow-heif, shown to browsers through WebP derivatives.
HEIC = ImageType("image/heic", "heic", "HEIC")

ALLOWED = {t.content_type: t for t in (JPEG, PNG, GIF, WEBP, AVIF, HEIC)}
HEIC_BRANDS = (b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx")
# Generic HEIF brands: AVIF or HEIC depending on the compatible brands listed after them.
GENERIC_BRANDS = (b"mif1", b"msf1")
BY_EXTENSION = {t.extension: t for t in ALLOWED.values()}
# Bytes needed to tell every allowed type apart.
SNIFF_BYTES = 32


def allowed_labels() -> str:
    return ", ".join(t.label for t in ALLOWED.values())


def lookup(content_type: str) -> ImageType | None:
    """The allowed type for a declared Content-Type (parameters and case ignored)."""
    base = content_type.split(";", 1)[0].strip().lower()
    if base == "image/jpg":  # common misspelling sent by some clients
        base = "image/jpeg"
    if base in ("image/heif", "image/heic-sequence", "image/heif-sequence"):
        base = "image/heic"
    return ALLOWED.get(base)


def _compatible_brands(head: bytes) -> list[bytes]:
    """The ftyp box's compatible brands that lie within both the box and the bytes read."""
    box_end = min(int.from_bytes(head[:4], "big"), len(head))
    return [head[at:at + 4] for at in range(16, box_end - 3, 4)]


def sniff(head: bytes) -> ImageType | None:
    """The allowed type the bytes really are, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    # ISO-BMFF: 'ftyp' box at offset 4 with an AVIF brand.
    if head[4:8] == b"ftyp" and head[8:12] in (b"avif", b"avis"):
        return AVIF
    if head[4:8] == b"ftyp" and head[8:12] in HEIC_BRANDS:
        return HEIC
    if head[4:8] == b"ftyp" and head[8:12] in GENERIC_BRANDS:
        # Whole brands inside the box only: bytes of the next box are not a brand.
        compatible = _compatible_brands(head[:SNIFF_BYTES])
        return AVIF if b"avif" in compatible else HEIC if b"heic" in compatible else None
    return None
