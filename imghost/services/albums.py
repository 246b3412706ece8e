"""Album actions: make, list, change (title, description, cover, sharing), delete, and
the images in an album (keyset pages, add, take out).

An image can be in several albums. Deleting an album keeps its images; deleting an
image takes it out of every album (the database's FK cascade). Someone else's album
is 404, never 403: its existence is nobody else's business.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import Row, bindparam, delete, func, insert
from sqlmodel import select

from imghost.errors import Invalid, NotFound
from imghost.models import Album, AlbumImage, Image, User
from imghost.services import credentials, cursors, expiry, slugs
from imghost.services.context import Context
from imghost.services.images import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, ImagePage, public

MAX_TITLE_CHARS = 200
MAX_DESCRIPTION_CHARS = 2000
UNCHANGED = object()  # "not given" for fields where None means "clear"


class AlbumPublic(BaseModel):
    """An album as its owner sees it (the API's response schema is this class)."""

    id: int
    title: str
    description: str
    cover_image_id: int | None
    # The cover's thumbnail: the chosen cover, else the album's newest image.
    cover_url: str | None
    image_count: int
    shared: bool
    share_url: str | None
    created_at: datetime


@dataclass(frozen=True)
class AlbumPage:
    albums: list[AlbumPublic]
    next_cursor: str | None


def album_page_url(site_url: str, slug: str) -> str:
    return f"{site_url}/a/{slug}"


def _text(value: str, field: str, limit: int, required: bool) -> str:
    if not isinstance(value, str):
        raise Invalid(f"{field} must be text.", code="validation_error",
                      errors=[{"field": field, "message": "Must be text."}])
    # Line breaks are fine in a description; other control characters are not.
    cleaned = "".join(ch for ch in value
                      if ch in "\n\t" or unicodedata.category(ch)[0] != "C").strip()
    if required and not cleaned:
        raise Invalid(f"The album needs a {field}.", code="validation_error",
                      errors=[{"field": field, "message": "Must not be empty."}])
    if len(cleaned) > limit:
        raise Invalid(f"The {field} is longer than {limit} characters.", code="validation_error",
                      errors=[{"field": field, "message": f"At most {limit} characters."}])
    return cleaned


def _own_album(ctx: Context, user: User, album_id: int) -> Album:
    album = ctx.session.exec(select(Album).where(Album.id == album_id,
                                                 Album.user_id == user.id)).first()
    if album is None:
        raise NotFound("No album with that id.", code="album_not_found")
    return album


# The reads below are Core rows (public() reads the same attribute names) from
# statements built once with bind parameters: composing and cache-keying a select on
# every call cost more CPU than running it, and share pages make these reads per view.
_IMAGES, _LINKS = Image.__table__, AlbumImage.__table__
_LIVE = expiry.still_there(bindparam("now"), _IMAGES)
_LIVE_IN_ALBUM = (select(_IMAGES).join(_LINKS, _LINKS.c.image_id == _IMAGES.c.id)
                  .where(_LINKS.c.album_id == bindparam("album_id"), _LIVE))
_NEWEST_FIRST = (_LINKS.c.album_id.desc(), _LINKS.c.image_id.desc())
_CHOSEN_COVER = select(_IMAGES).where(_IMAGES.c.id == bindparam("image_id"), _LIVE)
_NEWEST_IN_ALBUM = _LIVE_IN_ALBUM.order_by(*_NEWEST_FIRST).limit(1)
_PAGE_IN_ALBUM = _LIVE_IN_ALBUM.order_by(*_NEWEST_FIRST).limit(bindparam("limit"))
_PAGE_BELOW_IN_ALBUM = (_LIVE_IN_ALBUM.where(_LINKS.c.image_id < bindparam("below_id"))
                        .order_by(*_NEWEST_FIRST).limit(bindparam("limit")))
_COUNT_IN_ALBUM = (select(func.count())
                   .select_from(_LINKS.join(_IMAGES, _IMAGES.c.id == _LINKS.c.image_id))
                   .where(_LINKS.c.album_id == bindparam("album_id"), _LIVE))


def cover_image(ctx: Context, album, first_page: list | None = None) -> Row | None:
    """The chosen cover if it is still there, else the album's newest image (album: an
    Album or a Core row of it). first_page: the album's first page (images_in with no
    below_id) when the caller has read it, which saves reads: its first is the newest."""
    connection, now = ctx.session.connection(), ctx.clock()
    if album.cover_image_id is not None:
        on_page = [row for row in first_page or () if row.id == album.cover_image_id]
        chosen = on_page[0] if on_page else connection.execute(
            _CHOSEN_COVER, {"image_id": album.cover_image_id, "now": now}).first()
        if chosen is not None:
            return chosen
    if first_page is not None:
        return first_page[0] if first_page else None
    return connection.execute(_NEWEST_IN_ALBUM, {"album_id": album.id, "now": now}).first()


def count_images(ctx: Context, album_id: int) -> int:
    return ctx.session.connection().execute(
        _COUNT_IN_ALBUM, {"album_id": album_id, "now": ctx.clock()}).scalar_one()


def describe(ctx: Context, album: Album) -> AlbumPublic:
    cover = cover_image(ctx, album)
    cover_url = None
    if cover is not None:
        shown = public(cover, ctx.storage)
        cover_url = shown.thumbnail_url or shown.display_url or shown.public_url
    site = ctx.settings.site_url
    return AlbumPublic(
        id=album.id, title=album.title, description=album.description,
        cover_image_id=album.cover_image_id, cover_url=cover_url,
        image_count=count_images(ctx, album.id), shared=album.share_slug is not None,
        share_url=album_page_url(site, album.share_slug) if album.share_slug else None,
        created_at=album.created_at)


@credentials.requires("images:write")
def create(ctx: Context, user: User, title: str, description: str = "") -> AlbumPublic:
    album = Album(user_id=user.id, title=_text(title, "title", MAX_TITLE_CHARS, True),
                  description=_text(description, "description", MAX_DESCRIPTION_CHARS, False))
    ctx.session.add(album)
    ctx.session.flush()
    ctx.audit("album created", user_id=user.id, album_id=album.id)
    return describe(ctx, album)


@credentials.requires("images:read")
def list_albums(ctx: Context, user: User, limit: int = DEFAULT_PAGE_SIZE,
                cursor: str | None = None) -> AlbumPage:
    """The user's albums, newest first (ix_albums_user_id_id)."""
    _check_limit(limit)
    query = select(Album).where(Album.user_id == user.id)
    if cursor:
        query = query.where(Album.id < cursors.decode("a", cursor))
    rows = list(ctx.session.exec(query.order_by(Album.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return AlbumPage(albums=[describe(ctx, album) for album in rows],
                     next_cursor=cursors.encode("a", rows[-1].id) if more else None)


@credentials.requires("images:read")
def get(ctx: Context, user: User, album_id: int) -> AlbumPublic:
    return describe(ctx, _own_album(ctx, user, album_id))


@credentials.requires("images:write")
def change(ctx: Context, user: User, album_id: int, title: str | None = None,
           description: str | None = None, cover_image_id=UNCHANGED,
           shared: bool | None = None) -> AlbumPublic:
    """Change what is given. shared=True shares (a new slug unless already shared);
    shared=False stops sharing, and the old link is dead for good."""
    album = _own_album(ctx, user, album_id)
    changed: dict[str, object] = {}
    if title is not None:
        album.title = changed["title"] = _text(title, "title", MAX_TITLE_CHARS, True)
    if description is not None:
        album.description = _text(description, "description", MAX_DESCRIPTION_CHARS, False)
        changed["description"] = True
    if cover_image_id is not UNCHANGED:
        if cover_image_id is not None:
            _own_images(ctx, user, [cover_image_id], field="cover_image_id")
        album.cover_image_id = changed["cover_image_id"] = cover_image_id
    if shared is True and album.share_slug is None:
        album.share_slug = slugs.new_slug()
        changed["shared"] = True
    elif shared is False and album.share_slug is not None:
        album.share_slug = None
        changed["shared"] = False
    if changed:
        ctx.session.add(album)
        ctx.session.flush()
        ctx.audit("album changed", user_id=user.id, album_id=album.id, **changed)
    return describe(ctx, album)


@credentials.requires("images:delete")
def remove(ctx: Context, user: User, album_id: int) -> None:
    """Delete the album; its images stay (only the links go, by FK cascade)."""
    album = _own_album(ctx, user, album_id)
    ctx.session.exec(delete(AlbumImage).where(AlbumImage.album_id == album.id))
    ctx.session.exec(delete(Album).where(Album.id == album.id))
    ctx.audit("album deleted", user_id=user.id, album_id=album.id)


def _check_limit(limit: int) -> None:
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise Invalid(f"limit must be between 1 and {MAX_PAGE_SIZE}.", code="validation_error",
                      errors=[{"field": "limit", "message": f"Between 1 and {MAX_PAGE_SIZE}."}])


def images_in(ctx: Context, album_id: int, limit: int, below_id: int | None) -> tuple[list, bool]:
    """One keyset page of an album's images, newest first: a walk of the primary key
    (album_id, image_id), joined to the images still there."""
    values = {"album_id": album_id, "now": ctx.clock(), "limit": limit + 1}
    if below_id is None:
        statement = _PAGE_IN_ALBUM
    else:
        statement, values["below_id"] = _PAGE_BELOW_IN_ALBUM, below_id
    rows = ctx.session.connection().execute(statement, values).all()
    return rows[:limit], len(rows) > limit


@credentials.requires("images:read")
def images_page(ctx: Context, user: User, album_id: int, limit: int = DEFAULT_PAGE_SIZE,
                cursor: str | None = None) -> ImagePage:
    _check_limit(limit)
    below = cursors.decode("m", cursor) if cursor else None
    album = _own_album(ctx, user, album_id)
    rows, more = images_in(ctx, album.id, limit, below)
    return ImagePage(images=[public(row, ctx.storage) for row in rows],
                     next_cursor=cursors.encode("m", rows[-1].id) if more else None,
                     total=count_images(ctx, album.id))


def _own_images(ctx: Context, user: User, image_ids: list[int], field: str) -> set[int]:
    """All of these are the caller's images still there, or 404 and nothing changes."""
    wanted = set(image_ids)
    found = set(ctx.session.exec(
        select(Image.id).where(Image.id.in_(wanted), Image.user_id == user.id,
                               expiry.still_there(ctx.clock()))))
    missing = sorted(wanted - found)
    if missing:
        raise NotFound(f"No image of yours with id {missing[0]}.", code="image_not_found",
                       errors=[{"field": field, "message": f"Unknown image {missing[0]}."}])
    return found


@credentials.requires("images:write")
def add_images(ctx: Context, user: User, album_id: int, image_ids: list[int]) -> AlbumPublic:
    """Put images into the album; ones already in it are left as they are."""
    limit = ctx.settings.album_add_max_images
    if not image_ids:
        raise Invalid("Name at least one image.", code="validation_error",
                      errors=[{"field": "image_ids", "message": "Must not be empty."}])
    if len(image_ids) > limit:
        raise Invalid(f"At most {limit} images can be added at once.", code="too_many_images",
                      errors=[{"field": "image_ids", "message": f"At most {limit}."}])
    album = _own_album(ctx, user, album_id)
    wanted = _own_images(ctx, user, image_ids, field="image_ids")
    present = set(ctx.session.exec(select(AlbumImage.image_id).where(
        AlbumImage.album_id == album.id, AlbumImage.image_id.in_(wanted))))
    new = sorted(wanted - present)
    if new:
        now = ctx.clock()
        ctx.session.connection().execute(
            insert(AlbumImage.__table__),
            [{"album_id": album.id, "image_id": i, "added_at": now} for i in new])
        ctx.audit("album images added", user_id=user.id, album_id=album.id, count=len(new))
    return describe(ctx, album)


@credentials.requires("images:write")
def remove_image(ctx: Context, user: User, album_id: int, image_id: int) -> None:
    album = _own_album(ctx, user, album_id)
    removed = ctx.session.exec(delete(AlbumImage).where(
        AlbumImage.album_id == album.id, AlbumImage.image_id == image_id)).rowcount
    if not removed:
        raise NotFound("That image is not in this album.", code="image_not_found")
    ctx.audit("album image removed", user_id=user.id, album_id=album.id, image_id=image_id)


@credentials.requires("images:read")
def albums_of_image(ctx: Context, user: User, image_id: int) -> list[int]:
    """The ids of the caller's albums this image is in (the viewer ticks them)."""
    return list(ctx.session.exec(
        select(AlbumImage.album_id).join(Album, Album.id == AlbumImage.album_id)
        .where(AlbumImage.image_id == image_id, Album.user_id == user.id)))
