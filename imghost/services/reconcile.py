"""Storage against the database: delete objects that belong to no image and no grant.

Whatever a crash, an outage or a race left behind (a thumbnail written just after
its image was deleted, an original whose grant row was lost) is found here: the bucket
is listed page by page, and an object is an orphan when

- its key is one imghost issues (storage/base.py KEY_PATTERN: `{user_id}/{hex}...`;
  anything else, e.g. another tool's files or a `staging/` prefix, is never touched),
- it is older than the grace period (an upload or a thumbnail in progress is young),
- no upload grant and no image has its stem (`{user_id}/{hex}`: the original and
  every derivative of one image share it).

Grants are read before images: a confirm replaces the grant by the image in one
commit, so an object is seen with one or the other, never with neither.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import islice

from sqlalchemy import text
from sqlmodel import Session, select

from imghost.models import Image, UploadGrant
from imghost.services.context import Context
from imghost.services.object_keys import possible_originals, stem
from imghost.services.storage.base import KEY_PATTERN, ListedObject

log = logging.getLogger("imghost.sweep")

BATCH_SIZE = 1000
# Held for the transaction: several workers may reconcile on schedule, one at a time.
ADVISORY_LOCK = 74697


@dataclass
class ReconcileResult:
    scanned: int = 0
    deleted_keys: list[str] = field(default_factory=list)
    skipped: bool = False  # another process was reconciling

    @property
    def deleted(self) -> int:
        return len(self.deleted_keys)


def _batches(objects: Iterable[ListedObject], size: int) -> Iterator[list[ListedObject]]:
    iterator = iter(objects)
    while batch := list(islice(iterator, size)):
        yield batch


def _live_stems(session: Session, keys: list[str]) -> set[str]:
    candidates = sorted({original for key in keys for original in possible_originals(key)})
    live: set[str] = set()
    for model in (UploadGrant, Image):  # grants first: see the module's docstring
        for start in range(0, len(candidates), BATCH_SIZE):
            chunk = candidates[start:start + BATCH_SIZE]
            live |= {stem(key) for key in session.exec(
                select(model.r2_key).where(model.r2_key.in_(chunk)))}
    return live


def _first_reconciler(session: Session) -> bool:
    if session.get_bind().dialect.name != "postgresql":
        return True
    return bool(session.exec(text(f"SELECT pg_try_advisory_xact_lock({ADVISORY_LOCK})")).scalar())


def reconcile_storage(ctx: Context, grace_seconds: int | None = None,
                      batch_size: int = BATCH_SIZE) -> ReconcileResult:
    """Delete orphaned objects older than grace_seconds (default
    IMGHOST_SWEEP_GRACE_SECONDS), batch_size listed objects at a time."""
    if grace_seconds is None:
        grace_seconds = ctx.settings.sweep_grace_seconds
    result = ReconcileResult()
    if not _first_reconciler(ctx.session):
        result.skipped = True
        return result
    cutoff = ctx.clock() - timedelta(seconds=grace_seconds)
    for batch in _batches(ctx.storage.list_objects(page_size=batch_size), batch_size):
        result.scanned += len(batch)
        old = [o.key for o in batch if KEY_PATTERN.fullmatch(o.key) and o.modified < cutoff]
        if not old:
            continue
        live = _live_stems(ctx.session, old)
        orphans = [key for key in old if stem(key) not in live]
        if orphans:
            ctx.storage.delete_many(orphans)
            result.deleted_keys += orphans
    ctx.metrics.reconciled(result.deleted)
    if result.deleted_keys:
        log.info("reconcile removed %d orphaned objects of %d listed", result.deleted,
                 result.scanned)
    return result
