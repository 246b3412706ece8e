"""Image actions: list a page (keyset, newest first) and remove; an image as clients see it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import delete, update
from sqlmodel import select

from imghost.errors import Invalid, NotFound
from imghost.models import Image, ImageFields, User, UtcDatetime
from imghost.services.context import Context
from imghost.services.storage import Storage

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100
# Ids are 32-bit integers in the schema; anything larger cannot exist.
MAX_ID = 2**31 - 1


class ImagePublic(ImageFields):
    """The image every client sees (the API's response schema is this class)."""

    id: int
    public_url: str
    thumbnail_url: str | None
    display_url: str | None
    created_at: UtcDatetime


@dataclass(frozen=True)
class ImagePage:
    images: list[ImagePublic]
    next_cursor: str | None
    total: int


def public(image, storage: Storage) -> ImagePublic:
    """An Image row (ORM object or Core row: the same attribute names) as clients see it."""
    def url(key: str | None) -> str | None:
        return storage.public_url(key) if key else None

    return ImagePublic(
        id=image.id, filename=image.filename, r2_key=image.r2_key,
        content_type=image.content_type, size_bytes=image.size_bytes,
        width=image.width, height=image.height, placeholder=image.placeholder,
        public_url=storage.public_url(image.r2_key),
        thumbnail_url=url(image.thumbnail_key), display_url=url(image.display_key),
        created_at=image.created_at,
    )


# A cursor is the last id of the page, in hex without leading zeros: 1 to MAX_ID
# exactly, so the pattern the API declares admits only cursors that can exist.
CURSOR_PATTERN = re.compile(r"^(?:[1-7][0-9a-f]{7}|[1-9a-f][0-9a-f]{0,6})$")


def _encode_cursor(last_id: int) -> str:
    return format(last_id, "x")


def _decode_cursor(cursor: str) -> int:
    if not CURSOR_PATTERN.fullmatch(cursor):
        raise Invalid("The cursor is not one this server issued.", code="invalid_cursor",
                      errors=[{"field": "cursor", "message": "Invalid cursor."}])
    return int(cursor, 16)


def list_page(ctx: Context, user: User, limit: int = DEFAULT_PAGE_SIZE,
              cursor: str | None = None) -> ImagePage:
    """The user's images, newest first, one keyset page at a time."""
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise Invalid(f"limit must be between 1 and {MAX_PAGE_SIZE}.", code="validation_error",
                      errors=[{"field": "limit", "message": f"Between 1 and {MAX_PAGE_SIZE}."}])
    # Core rows, not ORM objects: a page is read-only, and building 51 tracked
    # instances was ~10% of the request's CPU. public() reads the same attribute names.
    table = Image.__table__
    # user_id as a one-value range, ordered by (user_id, id): only ix_images_user_id_id
    # gives that order, so every page is a walk of limit + 1 index entries (with
    # `user_id = X ORDER BY id` PostgreSQL may walk the primary key backwards and
    # filter by user, scanning the rest of the table on a big user's last page).
    query = select(table).where(table.c.user_id >= user.id, table.c.user_id <= user.id)
    if cursor is not None:  # "" is no cursor this server issued either
        query = query.where(table.c.id < _decode_cursor(cursor))
    connection = ctx.session.connection()
    rows = connection.execute(query.order_by(table.c.user_id.desc(), table.c.id.desc())
                              .limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    total = connection.execute(select(User.__table__.c.image_count)
                               .where(User.__table__.c.id == user.id)).scalar_one()
    return ImagePage(images=[public(row, ctx.storage) for row in rows],
                     next_cursor=_encode_cursor(rows[-1].id) if more else None, total=total)


def remove(ctx: Context, user: User, image_id: int) -> None:
    """Delete the stored objects first, then the row: a storage failure leaves no orphans."""
    image = ctx.session.exec(select(Image).where(Image.id == image_id,
                                                 Image.user_id == user.id)).first()
    if image is None:
        raise NotFound("No image with that id.", code="image_not_found")
    for key in (image.r2_key, image.thumbnail_key, image.display_key):
        if key:
            ctx.storage.delete(key)
    removed = ctx.session.exec(delete(Image).where(Image.id == image.id)).rowcount
    if removed:  # a concurrent delete may have won; count the image once
        ctx.session.exec(update(User).where(User.id == user.id).values(
            image_count=User.image_count - 1, bytes_stored=User.bytes_stored - image.size_bytes))
        ctx.metrics.image_deleted()
        ctx.audit("image deleted", user_id=user.id, image_id=image.id, key=image.r2_key)
