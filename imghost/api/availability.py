"""Refuse to hand out upload URLs while the object store is unreachable.

Presigning is pure computation: without this check, upload-url would answer 200
with a URL that cannot work and record a grant for nothing. A success is trusted
for a few seconds, so a busy server asks the store once per few seconds, not per
grant, and the usual case costs no thread hop.
"""

from __future__ import annotations

import time

from fastapi import Depends
from starlette.concurrency import run_in_threadpool

from imghost.runtime import get_runtime

TRUST_SECONDS = 2.0
_last_ok = 0.0


async def storage_reachable() -> None:
    global _last_ok
    if time.monotonic() - _last_ok < TRUST_SECONDS:
        return
    # Raises Unavailable (503 JSON) when the store does not answer.
    await run_in_threadpool(get_runtime().storage.check)
    _last_ok = time.monotonic()


StorageReachable = Depends(storage_reachable)
