"""Damaged files of every type only ever end in Rejected: never another exception, never a hang."""

from __future__ import annotations

import random

import pytest

from imghost.services.processing.derivatives import make_derivatives
from imghost.services.processing.errors import Rejected
from imghost.services.processing.inspect import inspect_image
from imghost.services.processing.strip import strip_metadata
from tests.unit.test_processing_samples import (
    animated_gif,
    avif_with_gps,
    heic_with_gps,
    jpeg_with_gps,
    png_with_text,
    webp_with_gps,
)

MUTATIONS = 40


def mutate(data: bytes, rnd: random.Random) -> bytes:
    damaged = bytearray(data)
    kind = rnd.randrange(3)
    if kind == 0:  # cut short
        return bytes(damaged[:rnd.randrange(8, len(damaged))])
    if kind == 1:  # flip bytes, headers included
        for _ in range(rnd.randrange(1, 8)):
            damaged[rnd.randrange(len(damaged))] = rnd.randrange(256)
        return bytes(damaged)
    # a large length/offset field planted somewhere in the first bytes
    at = rnd.randrange(4, min(len(damaged) - 4, 400))
    damaged[at:at + 4] = rnd.choice([b"\xff\xff\xff\xff", b"\x7f\xff\xff\xf0", b"\x00\x00\x00\x00"])
    return bytes(damaged)


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize(("content_type", "make"), [
    ("image/jpeg", jpeg_with_gps), ("image/png", png_with_text), ("image/gif", animated_gif),
    ("image/webp", webp_with_gps), ("image/avif", avif_with_gps), ("image/heic", heic_with_gps),
], ids=["jpeg", "png", "gif", "webp", "avif", "heic"])
def test_damaged_files_are_refused_or_handled(content_type, make):
    rnd = random.Random(f"fuzz-{content_type}")
    original = make()
    for _ in range(MUTATIONS):
        damaged = mutate(original, rnd)
        try:
            cleaned = strip_metadata(damaged, content_type)
            inspect_image(cleaned, content_type)
        except Rejected:
            continue
        # Accepted (a byte flip inside pixel data still decodes): thumbnails must work too.
        make_derivatives(cleaned, content_type)
