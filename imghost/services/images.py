"""Image actions: list a page (keyset, newest first), change (rename, expiry) and remove;
an image as clients see it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import delete, update
from sqlmodel import select

from imghost.errors import Invalid, NotFound
from imghost.models import Image, ImageFields, User, UtcDatetime
from imghost.services import credentials, expiry
from imghost.services.context import Context
from imghost.services.object_keys import image_keys
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
    # The server-rendered page (/i/{slug}) to share: it unfurls in chats.
    page_url: str
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
        page_url=image_page_url(storage.settings.site_url, image.slug),
        expires_at=image.expires_at, created_at=image.created_at,
    )


def image_page_url(site_url: str, slug: str) -> str:
    return f"{site_url}/i/{slug}"


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


@credentials.requires("images:read")
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
    query = select(table).where(table.c.user_id >= user.id, table.c.user_id <= user.id,
                                expiry.still_there(ctx.clock()))
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


def _own_image(ctx: Context, user: User, image_id: int) -> Image:
    """The caller's image that is still there; anyone else's, or an expired one, is 404."""
    image = ctx.session.exec(select(Image).where(Image.id == image_id,
                                                 Image.user_id == user.id)).first()
    if image is None or expiry.has_expired(image.expires_at, ctx.clock()):
        raise NotFound("No image with that id.", code="image_not_found")
    return image


@credentials.requires("images:read")
def get(ctx: Context, user: User, image_id: int) -> ImagePublic:
    return public(_own_image(ctx, user, image_id), ctx.storage)


@credentials.requires("images:write")
def change(ctx: Context, user: User, image_id: int, filename: str | None = None,
           set_expiry: bool = False, expires_in: int | None = None) -> ImagePublic:
    """Rename and/or set the expiry (set_expiry with expires_in None: never expires)."""
    from imghost.services.uploads import clean_filename  # uploads imports this module

    image = _own_image(ctx, user, image_id)
    changed: dict[str, object] = {}
    if filename is not None:
        image.filename = changed["filename"] = clean_filename(filename)
    if set_expiry:
        lifetime = expiry.checked_lifetime(ctx, expires_in)
        image.expires_at = expiry.expiry_after(ctx.clock(), lifetime)
        changed["expires_at"] = image.expires_at.isoformat() if image.expires_at else None
    if changed:
        ctx.session.add(image)
        ctx.session.flush()
        ctx.audit("image changed", user_id=user.id, image_id=image.id, **changed)
    return public(image, ctx.storage)


@credentials.requires("images:delete")
def remove(ctx: Context, user: User, image_id: int) -> None:
    """The row first, then every object the image can have, in one unit of work.

    The DELETE holds the row until the commit, so a thumbnail job finishing meanwhile
    either recorded its keys before (its objects are among the derivable keys deleted
    here) or finds no row and deletes what it made (services/processing/worker.py).
    A storage failure rolls the row back: the image stays listed and deletable."""
    image = ctx.session.exec(select(Image).where(Image.id == image_id,
                                                 Image.user_id == user.id)).first()
    if image is None:
        raise NotFound("No image with that id.", code="image_not_found")
    if not ctx.session.exec(delete(Image).where(Image.id == image.id)).rowcount:
        return  # a concurrent delete won; it removes the objects and counts the image
    recorded = {image.thumbnail_key, image.display_key} - {None}
    ctx.storage.delete_many(sorted(set(image_keys(image.r2_key)) | recorded))
    ctx.session.exec(update(User).where(User.id == user.id).values(
        image_count=User.image_count - 1, bytes_stored=User.bytes_stored - image.size_bytes))
    ctx.metrics.image_deleted()
    ctx.audit("image deleted", user_id=user.id, image_id=image.id, key=image.r2_key)
