"""Actions on many images at once: delete a selection in one request, the way to a zip of it.

Deleting 1,000 images is one request and one unit of work, in the order images.remove
uses: the rows first (a thumbnail job finishing meanwhile then finds no row and deletes
what it made), then every object those images can have, in batches (one DeleteObjects
per 1,000 keys on S3). A storage failure rolls the rows back, so the same request can
simply be repeated; nothing is orphaned.

Setting the expiry of a selection is one UPDATE per chunk of owned ids; adding a
selection to an album is albums.add_images, which takes a list already.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, update
from sqlmodel import select

from imghost.errors import Invalid
from imghost.models import Image, User
from imghost.services import credentials, expiry
from imghost.services.context import Context
from imghost.services.images import MAX_ID
from imghost.services.object_keys import image_keys

# Rows per IN (...) list: far below SQLite's and PostgreSQL's parameter limits.
ID_CHUNK = 500


@dataclass(frozen=True)
class BulkDeleted:
    deleted: list[int]
    missing: list[int]  # not the caller's, or gone already: nothing to do for them


def checked_ids(ctx: Context, ids: list[int]) -> list[int]:
    """The selection as a list of distinct ids in the caller's order; Invalid (400) when
    it is empty, too long or names ids that cannot exist."""
    limit = ctx.settings.bulk_max_images
    if not ids:
        raise Invalid("Select at least one image.", code="validation_error",
                      errors=[{"field": "ids", "message": "At least one id."}])
    if len(set(ids)) > limit:
        raise Invalid(f"At most {limit} images at once.", code="too_many_images",
                      errors=[{"field": "ids", "message": f"At most {limit} ids."}])
    if any(not isinstance(i, int) or isinstance(i, bool) or not 0 < i <= MAX_ID for i in ids):
        raise Invalid("Image ids are positive integers.", code="validation_error",
                      errors=[{"field": "ids", "message": "Positive integers only."}])
    return list(dict.fromkeys(ids))


def owned_rows(ctx: Context, user: User, ids: list[int]) -> list:
    """The caller's images among ids that are still there (Core rows), in the order of
    ids: an expired image is gone everywhere, the sweep deletes it."""
    table = Image.__table__
    found = {}
    for first in range(0, len(ids), ID_CHUNK):
        chunk = ids[first:first + ID_CHUNK]
        for row in ctx.session.connection().execute(
                select(table).where(table.c.user_id == user.id, table.c.id.in_(chunk),
                                    expiry.still_there(ctx.clock()))):
            found[row.id] = row
    return [found[i] for i in ids if i in found]


def stored_keys(row) -> list[str]:
    """Every object an image may have: its own keys and the derivatives' derivable keys
    (a thumbnail job may have stored them without recording them yet)."""
    keys = set(image_keys(row.r2_key))
    keys.update(k for k in (row.thumbnail_key, row.display_key) if k)
    return sorted(keys)


@credentials.requires("images:delete")
def remove_many(ctx: Context, user: User, ids: list[int]) -> BulkDeleted:
    """Delete the caller's images among ids: rows and counts, then their objects (batched)."""
    ids = checked_ids(ctx, ids)
    rows = owned_rows(ctx, user, ids)
    table = Image.__table__
    deleted: list[int] = []
    freed = 0
    for first in range(0, len(rows), ID_CHUNK):
        chunk = [row.id for row in rows[first:first + ID_CHUNK]]
        # RETURNING: a concurrent delete may have won some rows; count each image once.
        for image_id, size in ctx.session.connection().execute(
                delete(table).where(table.c.id.in_(chunk), table.c.user_id == user.id)
                .returning(table.c.id, table.c.size_bytes)):
            deleted.append(image_id)
            freed += size
    gone = set(deleted)
    # Only the rows this request deleted: a concurrent delete removes its own objects.
    ctx.storage.delete_many([key for row in rows if row.id in gone for key in stored_keys(row)])
    if deleted:
        ctx.session.exec(update(User).where(User.id == user.id).values(
            image_count=User.image_count - len(deleted), bytes_stored=User.bytes_stored - freed))
        ctx.metrics.image_deleted(len(deleted))
        ctx.audit("images deleted", user_id=user.id, count=len(deleted), image_ids=deleted)
    return BulkDeleted(deleted=[i for i in ids if i in gone],
                       missing=[i for i in ids if i not in gone])


@dataclass(frozen=True)
class BulkChanged:
    changed: list[int]
    missing: list[int]  # not the caller's, or gone already
    expires_at: datetime | None = None


@credentials.requires("images:write")
def set_expiry(ctx: Context, user: User, ids: list[int], expires_in: int | None) -> BulkChanged:
    """Every selected image expires expires_in seconds from now (None: never)."""
    ids = checked_ids(ctx, ids)
    expires_at = expiry.expiry_after(ctx.clock(), expiry.checked_lifetime(ctx, expires_in))
    table = Image.__table__
    owned = [row.id for row in owned_rows(ctx, user, ids)]
    changed: list[int] = []
    for first in range(0, len(owned), ID_CHUNK):
        chunk = owned[first:first + ID_CHUNK]
        changed += [image_id for (image_id,) in ctx.session.connection().execute(
            update(table).where(table.c.id.in_(chunk), table.c.user_id == user.id)
            .values(expires_at=expires_at).returning(table.c.id))]
    done = set(changed)
    if changed:
        ctx.audit("images expiry set", user_id=user.id, count=len(changed),
                  expires_at=expires_at.isoformat() if expires_at else None)
    return BulkChanged(changed=[i for i in ids if i in done],
                       missing=[i for i in ids if i not in done], expires_at=expires_at)
