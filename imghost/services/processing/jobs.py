"""A thumbnail job's state, kept on its image's row: who may work on it, and when next.

An image without thumbnail_key is a pending job. A worker claims it with one
conditional UPDATE ... RETURNING (no live lease, attempts left). Two workers racing for the same
image, threads or processes, on PostgreSQL or SQLite, see one winner: the loser's
UPDATE waits for the winner's row lock (or SQLite's write lock), then re-reads the
row and finds the lease taken. The lease outlives any normal job, so a worker that
dies mid-job only delays it: once the lease ends, the next poll takes it up.

A failed job sets its lease to the time of its next try (exponential backoff). After
the last attempt it stays pending and is left alone: the gallery shows the original,
and `imghost backfill-thumbnails` tries again on demand.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, or_, update
from sqlmodel import select

from imghost.models import Image
from imghost.services.context import Context

# Longest wait between two tries, whatever the attempt count.
MAX_BACKOFF_SECONDS = 3600
# Jobs queued per look: a backlog is taken a slice at a time, not loaded at once.
DUE_BATCH = 500


@dataclass(frozen=True)
class Claim:
    key: str
    content_type: str
    attempt: int


def _now(ctx: Context) -> int:
    return int(ctx.clock().timestamp())


def _free(now: int):
    return or_(Image.thumbnail_lease_until.is_(None), Image.thumbnail_lease_until <= now)


def claim(ctx: Context, image_id: int, max_attempts: int | None) -> Claim | None:
    """Take the job for this worker (committed when the call returns), or None when it
    is done, gone, held by another worker, waiting out its backoff or out of attempts
    (max_attempts None: any count, for backfill)."""
    now = _now(ctx)
    taken = ctx.session.connection().execute(
        _CLAIM if max_attempts is not None else _CLAIM_ANY_ATTEMPT,
        {"image_id": image_id, "now": now, "max_attempts": max_attempts,
         "lease_until": now + ctx.settings.thumbnail_lease_seconds}).one_or_none()
    return None if taken is None else Claim(*taken)


def record(ctx: Context, image_id: int, thumbnail_key: str, display_key: str | None,
           blurhash: str | None = None) -> bool:
    """Store the derivatives' keys and the thumbnail's blurhash; False when the image was
    deleted meanwhile."""
    return bool(ctx.session.connection().execute(_RECORD, {
        "image_id": image_id, "thumbnail_key": thumbnail_key, "display_key": display_key,
        "blurhash": blurhash or None}).rowcount)


# Core statements built once: a job's claim and record run per image, and the ORM's
# bulk-update path (session synchronisation) cost more than the statements.
_images = Image.__table__
_CLAIM_ANY_ATTEMPT = (
    update(_images)
    .where(_images.c.id == bindparam("image_id"), _images.c.thumbnail_key.is_(None),
           or_(_images.c.thumbnail_lease_until.is_(None),
               _images.c.thumbnail_lease_until <= bindparam("now")))
    .values(thumbnail_lease_until=bindparam("lease_until"),
            thumbnail_attempts=_images.c.thumbnail_attempts + 1)
    .returning(_images.c.r2_key, _images.c.content_type, _images.c.thumbnail_attempts))
_CLAIM = _CLAIM_ANY_ATTEMPT.where(_images.c.thumbnail_attempts < bindparam("max_attempts"))
_RECORD = (update(_images).where(_images.c.id == bindparam("image_id"))
           .values(thumbnail_key=bindparam("thumbnail_key"),
                   display_key=bindparam("display_key"), blurhash=bindparam("blurhash"),
                   thumbnail_lease_until=None))


def backoff_seconds(ctx: Context, attempt: int) -> int:
    return min(ctx.settings.thumbnail_retry_seconds * 2 ** (attempt - 1), MAX_BACKOFF_SECONDS)


@dataclass(frozen=True)
class Retry:
    gone: bool  # the image was deleted: nothing to retry
    in_seconds: int | None  # None: that was the last attempt


def retry_later(ctx: Context, image_id: int, attempt: int) -> Retry:
    """After a failed attempt: hold the job until its backoff ends (or for good after
    the last attempt: the lease lapses, but the attempt count keeps pickers away)."""
    last = attempt >= ctx.settings.thumbnail_max_attempts
    delay = backoff_seconds(ctx, attempt)
    held = ctx.session.exec(update(Image).where(Image.id == image_id).values(
        thumbnail_lease_until=None if last else _now(ctx) + delay)).rowcount
    return Retry(gone=not held, in_seconds=None if last else delay)


def give_up(ctx: Context, image_id: int) -> None:
    """A file confirm's checks refuse is never decoded again: no attempts left (an
    operator's backfill still may try it)."""
    ctx.session.exec(update(Image).where(Image.id == image_id).values(
        thumbnail_lease_until=None, thumbnail_attempts=ctx.settings.thumbnail_max_attempts))


def due(ctx: Context, limit: int = DUE_BATCH) -> list[int]:
    """Pending images no worker holds, with attempts left, oldest first."""
    return list(ctx.session.exec(
        select(Image.id).where(Image.thumbnail_key.is_(None), _free(_now(ctx)),
                               Image.thumbnail_attempts < ctx.settings.thumbnail_max_attempts)
        .order_by(Image.id).limit(limit)))


def pending(ctx: Context) -> list[int]:
    """Every image without thumbnails, whatever its attempts (backfill)."""
    return list(ctx.session.exec(select(Image.id).where(Image.thumbnail_key.is_(None))
                                 .order_by(Image.id)))
