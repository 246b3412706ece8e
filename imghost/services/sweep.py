"""No orphans: delete the stored objects of upload grants that expired unconfirmed,
and images whose own expiry (expires_in / PATCH) has passed.

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

from sqlalchemy import delete, update
from sqlmodel import Session, select

from imghost.errors import ImghostError
from imghost.models import Image, UploadGrant, User
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


def _expired_batch(session: Session, cutoff: datetime, after: str) -> list[UploadGrant]:
    query = (select(UploadGrant).where(UploadGrant.expires_at < cutoff, UploadGrant.r2_key > after)
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
        grants = _expired_batch(session, cutoff, after)
        if not grants:
            break
        keys = [g.r2_key for g in grants]
        after = keys[-1]
        # A grant a confirm has claimed (services/upload_claims.py) is being recorded
        # right now: never pull its object from under it.
        if ctx.claims is not None:
            claimed = ctx.claims.held(keys)
            keys = [key for key in keys if key not in claimed]
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


def _expired_images(session: Session, now: datetime) -> list[Image]:
    query = (select(Image).where(Image.expires_at.is_not(None), Image.expires_at <= now)
             .order_by(Image.expires_at, Image.id).limit(BATCH_SIZE))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)  # several workers sweep at once
    return list(session.exec(query))


def sweep_expired_images(ctx: Context) -> SweepResult:
    """Delete the objects, then the rows, of images past their expires_at. They are
    hidden everywhere already (services/expiry.py); this frees the bytes. Commits
    batch by batch; an image whose objects could not be deleted stays for the next run."""
    session, storage, now = ctx.session, ctx.storage, ctx.clock()
    result = SweepResult()
    failed_ids: set[int] = set()
    while True:
        batch = [image for image in _expired_images(session, now) if image.id not in failed_ids]
        if not batch:
            break
        for image in batch:
            try:
                for key in (image.r2_key, image.thumbnail_key, image.display_key):
                    if key:
                        storage.delete(key)
            except (ImghostError, OSError) as error:
                log.warning("sweep could not delete expired image %s: %s", image.id, error)
                failed_ids.add(image.id)
                result.failed_keys.append(image.r2_key)
                continue
            if session.exec(delete(Image).where(Image.id == image.id)).rowcount:
                session.exec(update(User).where(User.id == image.user_id).values(
                    image_count=User.image_count - 1,
                    bytes_stored=User.bytes_stored - image.size_bytes))
                result.deleted_keys.append(image.r2_key)
                ctx.audit("image expired", user_id=image.user_id, image_id=image.id,
                          key=image.r2_key)
        ctx.commit()
        if len(failed_ids) >= BATCH_SIZE:
            break  # a whole batch failing: storage is down, try again next time
    if result.deleted_keys:
        ctx.metrics.images_expired(result.deleted)
        log.info("sweep removed %d expired images", result.deleted)
    if result.failed_keys:
        ctx.metrics.sweep_failed(len(result.failed_keys))
    return result
