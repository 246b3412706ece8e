"""Refuse to hand out upload URLs while the object store is unreachable.

Presigning is pure computation: without this check a grant would succeed with a URL
that cannot work. A success is trusted for a few seconds, so a busy server asks the
store once per few seconds, not per grant.
"""

from __future__ import annotations

import time

from imghost.services.storage.base import Storage

TRUST_SECONDS = 2.0


def ensure_reachable(storage: Storage) -> None:
    """Unavailable (503) when the store does not answer; cheap when it did just now."""
    last_ok = getattr(storage, "last_reachable", 0.0)
    if time.monotonic() - last_ok < TRUST_SECONDS:
        return
    storage.check()
    storage.last_reachable = time.monotonic()
