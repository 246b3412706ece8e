"""JSON log lines' timestamps (api/log_format.py) are exactly what datetime writes."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime

from imghost.api.log_format import _Timestamps


def _reference(created: float) -> str:
    return datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds")


def test_timestamps_match_isoformat_to_the_millisecond():
    stamps = _Timestamps()
    now = time.time()
    rng = random.Random(17)
    samples = [now + rng.uniform(-5, 5) for _ in range(20_000)]
    # Edges: whole seconds, just below them (rounds up into the next second), halves.
    samples += [float(int(now)), int(now) - 1e-7, int(now) + 0.9999995, int(now) + 0.0005,
                1_700_000_000.9999996, 0.0, 1.5]
    for created in samples:
        assert stamps(created) == _reference(created), created
