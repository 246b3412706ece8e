"""Damaged files of every type only ever end in Rejected: never another exception, never a hang.

Two kinds of damage: real samples mutated at random (through the whole pipeline), and
files built box by box with lying counts and lengths (hypothesis, strippers only).
"""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from imghost.services.processing.derivatives import make_derivatives
from imghost.services.processing.errors import Rejected
from imghost.services.processing.inspect import inspect_image
from imghost.services.processing.strip import strip_metadata
from tests.support.container_strategies import (
    bmff_files,
    gif_files,
    jpeg_files,
    png_files,
    webp_files,
)
from tests.support.containers import avif_ftyp, heic_ftyp
from tests.support.time_limit import time_limit
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


# A call on these few hundred bytes takes well under a millisecond; this bound is far
# above that and far below what work driven by a declared count (not bytes) costs.
CALL_LIMIT = 0.5
# Stripping only removes bytes, but may add a minimal orientation block or a pad byte.
GROWTH_LIMIT = 64
STRUCTURED = [("image/jpeg", jpeg_files()), ("image/png", png_files()),
              ("image/gif", gif_files()), ("image/webp", webp_files()),
              ("image/avif", bmff_files(avif_ftyp())), ("image/heic", bmff_files(heic_ftyp()))]


# time_limit() fails a slow call, shrinking included; the thread-method timeout is the
# last resort should a call ever block where a signal cannot reach it.
@pytest.mark.timeout(300, method="thread")
@pytest.mark.parametrize(("content_type", "files"), STRUCTURED,
                         ids=["jpeg", "png", "gif", "webp", "avif", "heic"])
@settings(max_examples=200, deadline=timedelta(seconds=1),
          suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_lying_structures_are_refused_or_stripped_quickly(content_type, files, data):
    hostile = data.draw(files, label="file")
    try:
        with time_limit(CALL_LIMIT):
            stripped = strip_metadata(hostile, content_type)
    except Rejected:
        return
    assert isinstance(stripped, bytes)
    assert len(stripped) <= len(hostile) + GROWTH_LIMIT
