"""Image actions: list a page (search, sort, keyset) and remove; an image as clients see it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, update
from sqlmodel import select

from imghost.errors import Invalid, NotFound
from imghost.models import Image, ImageFields, User
from imghost.services import image_search
from imghost.services.context import Context
from imghost.services.storage import Storage

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100
MAX_ID = image_search.MAX_ID


class ImagePublic(ImageFields):
    """The image every client sees (the API's response schema is this class)."""

    id: int
    public_url: str
    thumbnail_url: str | None
    display_url: str | None
    created_at: datetime


@dataclass(frozen=True)
class ImagePage:
    images: list[ImagePublic]
    next_cursor: str | None
    total: int  # every image of the user, or those matching the search
    # For `before=`: set when images come before this page in its sort.
    prev_cursor: str | None = None


def public(image, storage: Storage) -> ImagePublic:
    """An Image row (ORM object or Core row: the same attribute names) as clients see it."""
    def url(key: str | None) -> str | None:
        return storage.public_url(key) if key else None

    return ImagePublic(
        id=image.id, filename=image.filename, r2_key=image.r2_key,
        content_type=image.content_type, size_bytes=image.size_bytes,
        width=image.width, height=image.height, placeholder=image.placeholder,
        blurhash=image.blurhash,
        public_url=storage.public_url(image.r2_key),
        thumbnail_url=url(image.thumbnail_key), display_url=url(image.display_key),
        created_at=image.created_at,
    )


@dataclass(frozen=True)
class Search:
    """A listing's filters and sort as the caller typed them; list_page validates them."""

    q: str | None = None
    type: str | None = None
    created_from: str | None = None
    created_to: str | None = None
    sort: str | None = None


def list_page(ctx: Context, user: User, limit: int = DEFAULT_PAGE_SIZE,
              cursor: str | None = None, search: Search | None = None,
              before: str | None = None) -> ImagePage:
    """The user's images matching `search`, one keyset page at a time in its sort
    (newest first by default): the page after `cursor`, or the one before `before`."""
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise Invalid(f"limit must be between 1 and {MAX_PAGE_SIZE}.", code="validation_error",
                      errors=[{"field": "limit", "message": f"Between 1 and {MAX_PAGE_SIZE}."}])
    search = search or Search()
    query = image_search.parse_query(ctx.settings.search_max_chars, search.q, search.type,
                                     search.created_from, search.created_to, search.sort)
    if cursor and before:
        raise Invalid("Give cursor or before, not both.", code="validation_error",
                      errors=[{"field": "before", "message": "Not together with cursor."}])
    sort, backwards = query.sort, bool(before)
    # Core rows, not ORM objects: a page is read-only, and building 51 tracked
    # instances was ~10% of the request's CPU. public() reads the same attribute names.
    table = Image.__table__
    # user_id as a one-value range, ordered by (user_id, sort key, id): only the sort's
    # index gives that order, so every page is a walk of limit + 1 index entries (with
    # `user_id = X ORDER BY id` PostgreSQL may walk the primary key backwards and
    # filter by user, scanning the rest of the table on a big user's last page).
    statement = select(table).where(table.c.user_id >= user.id, table.c.user_id <= user.id,
                                    *image_search.filter_clauses(table, query))
    if cursor or before:
        position = image_search.decode_cursor(sort, cursor or before,
                                              "cursor" if cursor else "before")
        statement = statement.where(image_search.after_clause(table, sort, position, backwards))
    toward_smaller = image_search.descending(sort) != backwards
    order = [c.desc() if toward_smaller else c.asc()
             for c in image_search.order_columns(table, sort)]
    connection = ctx.session.connection()
    rows = connection.execute(statement.order_by(*order).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    if backwards:
        rows.reverse()
    has_next = bool(rows) and (backwards or more)
    has_prev = bool(rows) and (more if backwards else bool(cursor))
    if query.filtered:
        total = connection.execute(
            select(func.count()).select_from(table).where(
                table.c.user_id == user.id, *image_search.filter_clauses(table, query))
        ).scalar_one()
    else:
        total = connection.execute(select(User.__table__.c.image_count)
                                   .where(User.__table__.c.id == user.id)).scalar_one()
    return ImagePage(
        images=[public(row, ctx.storage) for row in rows],
        next_cursor=image_search.encode_cursor(sort, rows[-1]) if has_next else None,
        total=total,
        prev_cursor=image_search.encode_cursor(sort, rows[0]) if has_prev else None)


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


def get_image(ctx: Context, user: User, image_id: int) -> ImagePublic:
    """One of the caller's images (the gallery's deep link to its viewer)."""
    if not 0 < image_id <= MAX_ID:
        raise NotFound("No image with that id.", code="image_not_found")
    image = ctx.session.exec(select(Image).where(Image.id == image_id,
                                                 Image.user_id == user.id)).first()
    if image is None:
        raise NotFound("No image with that id.", code="image_not_found")
    return public(image, ctx.storage)
