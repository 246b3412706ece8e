"""No orphans: delete the stored objects of upload grants that expired unconfirmed.

Every presigned upload is recorded as an UploadGrant row; confirm turns it into an
Image and deletes the grant. A grant row still present after expiry (plus a grace
period, so a confirm that began just before expiry can finish) is an upload nobody
confirmed: its object, if the client PUT one, is removed, then the row.

Confirmed images are never touched: a key that has an Image row is skipped (and its
stale grant row dropped) even if a grant row somehow remains.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, or_
from sqlmodel import Session, select

from imghost.errors import ImghostError
from imghost.models import Image, UploadGrant
from imghost.services.context import Context

log = logging.getLogger("imghost.sweep")

BATCH_SIZE = 200


@dataclass
class SweepResult:
    deleted_keys: list[str] = field(default_factory=list)
    skipped_confirmed: int = 0
    failed_keys: list[str] = field(default_factory=list)

    @property
    def deleted(self) -> int:
        return len(self.deleted_keys)


def _expired_batch(session: Session, cutoff: datetime, after: str,
                   now: float) -> list[UploadGrant]:
    # A grant a confirm has claimed (services/upload_claims.py) is being recorded
    # right now: never pull its object from under it.
    unclaimed = or_(UploadGrant.claim_expires.is_(None), UploadGrant.claim_expires < now)
    query = (select(UploadGrant).where(UploadGrant.expires_at < cutoff, UploadGrant.r2_key > after,
                                       unclaimed)
             .order_by(UploadGrant.r2_key).limit(BATCH_SIZE))
    if session.get_bind().dialect.name == "postgresql":
        # Several workers sweep at once: each takes rows no one else holds, and a
        # confirm deleting the same grant row blocks the sweep of that key.
        query = query.with_for_update(skip_locked=True)
    return list(session.exec(query))


def _delete_upload(storage, key: str) -> None:
    """The upload's object (S3/R2: its staging key) and anything a confirm that failed
    midway wrote at the image's key. Deleting a missing key is a no-op on both backends."""
    upload_key = storage.upload_key(key)
    storage.delete(upload_key)
    if upload_key != key:
        storage.delete(key)


def sweep_expired_grants(ctx: Context, grace_seconds: int | None = None) -> SweepResult:
    """Delete objects and rows of grants expired more than grace_seconds ago
    (default IMGHOST_SWEEP_GRACE_SECONDS). Commits batch by batch."""
    if grace_seconds is None:
        grace_seconds = ctx.settings.sweep_grace_seconds
    session, storage, now = ctx.session, ctx.storage, ctx.clock()
    cutoff = now - timedelta(seconds=grace_seconds)
    result = SweepResult()
    after = ""
    while True:
        grants = _expired_batch(session, cutoff, after, now.timestamp())
        if not grants:
            break
        keys = [g.r2_key for g in grants]
        after = keys[-1]
        confirmed = set(session.exec(select(Image.r2_key).where(Image.r2_key.in_(keys))))
        removable = []
        for key in keys:
            if key in confirmed:
                result.skipped_confirmed += 1
                removable.append(key)
                continue
            try:
                _delete_upload(storage, key)
            except (ImghostError, OSError) as error:
                # Keep the row so the next sweep retries; an object without a row
                # would be an orphan nobody could find again.
                log.warning("sweep could not delete %s: %s", key, error)
                result.failed_keys.append(key)
                continue
            removable.append(key)
            result.deleted_keys.append(key)
        if removable:
            session.exec(delete(UploadGrant).where(UploadGrant.r2_key.in_(removable)))
        ctx.commit()
    ctx.metrics.swept(result.deleted)
    if result.failed_keys:
        ctx.metrics.sweep_failed(len(result.failed_keys))
    if result.deleted_keys or result.failed_keys:
        log.info("sweep removed %d expired uploads (%d failed)", result.deleted,
                 len(result.failed_keys))
    return result
