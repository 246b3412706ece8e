"""Image actions: list a page (search, sort, keyset), change (rename, expiry) and remove;
an image as clients see it."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from sqlalchemy import Integer, Select, bindparam, delete, func, update
from sqlmodel import select

from imghost.errors import Invalid, NotFound
from imghost.models import Image, ImageFields, User, UtcDatetime, as_utc
from imghost.services import credentials, expiry, image_search
from imghost.services.context import Context, reads_only
from imghost.services.driver_cursor import all_rows
from imghost.services.object_keys import image_keys
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
    # The server-rendered page (/i/{slug}) to share: it unfurls in chats.
    page_url: str
    created_at: UtcDatetime


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
        page_url=image_page_url(storage.settings.site_url, image.slug),
        expires_at=image.expires_at, created_at=image.created_at,
    )


def image_page_url(site_url: str, slug: str) -> str:
    return f"{site_url}/i/{slug}"


# What a listed image is read from, in the order listed_images() unpacks each row: a
# row read by position (the driver's tuple, or a Core row whose attributes cost about
# a microsecond a name).
LISTED_NAMES = ("id", "filename", "r2_key", "content_type", "size_bytes", "width", "height",
                "placeholder", "blurhash", "thumbnail_key", "display_key", "slug", "expires_at",
                "created_at")
LISTED_COLUMNS = tuple(Image.__table__.c[name] for name in LISTED_NAMES)
_ID, _SIZE_BYTES = LISTED_NAMES.index("id"), LISTED_NAMES.index("size_bytes")
_PUBLIC_FIELDS = frozenset(ImagePublic.model_fields)
_new, _set = object.__new__, object.__setattr__


def _trusted(values: dict) -> ImagePublic:
    """An ImagePublic from values already of its fields' types, as model_construct makes
    it: validating a page's images again (SQLModel's __init__ runs per image) was most of
    the listing's CPU. tests/unit/test_listed_images.py holds it equal to public()."""
    image = _new(ImagePublic)
    _set(image, "__dict__", values)
    _set(image, "__pydantic_fields_set__", set(_PUBLIC_FIELDS))
    _set(image, "__pydantic_extra__", None)
    _set(image, "__pydantic_private__", None)
    return image


def listed_images(rows, storage: Storage) -> list[ImagePublic]:
    """Rows of LISTED_COLUMNS (and any columns after them) as clients see them: what
    public() makes of the same image."""
    prefix, site = storage.public_url_prefix(), storage.settings.site_url
    return [_trusted({
        "filename": filename, "r2_key": r2_key, "content_type": content_type,
        "size_bytes": size_bytes, "width": width, "height": height,
        "placeholder": placeholder, "blurhash": blurhash, "expires_at": expires_at,
        "id": id_, "public_url": prefix + r2_key,
        "thumbnail_url": prefix + thumbnail_key if thumbnail_key else None,
        "display_url": prefix + display_key if display_key else None,
        "page_url": f"{site}/i/{slug}", "created_at": as_utc(created_at),
    }) for (id_, filename, r2_key, content_type, size_bytes, width, height, placeholder,
            blurhash, thumbnail_key, display_key, slug, expires_at, created_at, *_) in rows]


# Every cursor a listing issues (any sort) matches this; the API declares it.
CURSOR_PATTERN = image_search.CURSOR_PATTERN


@dataclass(frozen=True)
class Search:
    """A listing's filters and sort as the caller typed them; list_page validates them."""

    q: str | None = None
    type: str | None = None
    created_from: str | None = None
    created_to: str | None = None
    sort: str | None = None


@functools.cache  # one per shape: 3 sorts x 3 directions x 16 sets of filters x 2 at most
def _page_statement(sort: str, direction: str | None, filters_set: tuple[bool, ...],
                    user_as_range: bool = True) -> Select:
    """A page's SELECT, built once per shape, its values bound (see list_page): SQLAlchemy
    then neither builds it nor computes its cache key again per request.

    Core rows, not ORM objects: a page is read-only (see listed_images). Ordered by
    (user_id, sort key, id): only the sort's index gives that order, so every page is a
    walk of limit + 1 index entries. On PostgreSQL user_id is a one-value range (with
    `user_id = X ORDER BY id` it may walk the primary key backwards and filter by user,
    scanning the rest of the table on a big user's last page); SQLite needs `user_id = X`
    (user_as_range False) to seek on the index's next column too, the cursor's position:
    with the range it walked every entry of the user before it (page 200 of 50: 1.7 ms
    in SQLite, 0.15 ms with the equality).

    Each row ends with the page's total, an uncorrelated subquery the database computes
    once per statement: one round trip for a page instead of two (an empty page still
    asks _total_statement)."""
    table = Image.__table__
    user_id = bindparam("user_id", type_=Integer)
    # Not correlated with the page: the count reads images (or users) on its own.
    total = _total_statement(filters_set).correlate(None).scalar_subquery().label("total")
    one_user = ((table.c.user_id >= user_id, table.c.user_id <= user_id) if user_as_range
                else (table.c.user_id == user_id,))
    statement = select(*LISTED_COLUMNS, total).where(
        *one_user, expiry.still_there(bindparam("now")),
        *image_search.filter_clauses(table, filters_set))
    backwards = direction == "before"
    if direction is not None:
        statement = statement.where(image_search.after_clause(table, sort, backwards))
    toward_smaller = image_search.descending(sort) != backwards
    return statement.order_by(*[c.desc() if toward_smaller else c.asc()
                                for c in image_search.order_columns(table, sort)]
                              ).limit(bindparam("rows", type_=Integer))


@functools.cache
def _total_statement(filters_set: tuple[bool, ...]) -> Select:
    """The page's total: the count kept on the user, or the images matching the filters."""
    table, users = Image.__table__, User.__table__
    if not any(filters_set):
        return select(users.c.image_count).where(users.c.id == bindparam("user_id"))
    return select(func.count()).select_from(table).where(
        table.c.user_id == bindparam("user_id"), expiry.still_there(bindparam("now")),
        *image_search.filter_clauses(table, filters_set))


@reads_only
@credentials.requires("images:read")
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
    if cursor is not None and before is not None:
        raise Invalid("Give cursor or before, not both.", code="validation_error",
                      errors=[{"field": "before", "message": "Not together with cursor."}])
    sort, backwards = query.sort, before is not None
    values = {"user_id": user.id, "now": ctx.clock(), "rows": limit + 1,
              **image_search.filter_values(query)}
    direction = None
    if cursor is not None or before is not None:  # "" is no cursor this server issued either
        direction = "before" if backwards else "after"
        position = image_search.decode_cursor(sort, cursor if cursor is not None else before,
                                              "cursor" if cursor is not None else "before")
        values.update(image_search.position_values(position))
    connection = ctx.session.connection()
    statement = _page_statement(sort, direction, query.filters_set,
                                connection.dialect.name != "sqlite")
    rows = all_rows(connection, statement, values)
    more = len(rows) > limit
    rows = rows[:limit]
    if backwards:
        rows.reverse()
    has_next = bool(rows) and (backwards or more)
    has_prev = bool(rows) and (more if backwards else cursor is not None)
    total = (rows[0][-1] if rows else
             connection.execute(_total_statement(query.filters_set), values).scalar_one())
    return ImagePage(
        images=listed_images(rows, ctx.storage),
        next_cursor=image_search.encode_cursor(sort, _position(rows[-1])) if has_next else None,
        total=total,
        prev_cursor=image_search.encode_cursor(sort, _position(rows[0])) if has_prev else None)


def _position(row) -> image_search.Position:
    return image_search.Position(id=row[_ID], size_bytes=row[_SIZE_BYTES])


def _own_image(ctx: Context, user: User, image_id: int) -> Image:
    """The caller's image that is still there; anyone else's, or an expired one, is 404."""
    image = ctx.session.exec(select(Image).where(Image.id == image_id,
                                                 Image.user_id == user.id)).first()
    if image is None or expiry.has_expired(image.expires_at, ctx.clock()):
        raise NotFound("No image with that id.", code="image_not_found")
    return image


@reads_only
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
