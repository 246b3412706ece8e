"""What the public pages show: an image by its slug (/i/), a shared album (/a/), and
the oEmbed answer for an image page. Anonymous reads: no user, no rate limit beyond
the server's; anything unknown, expired or unshared is NotFound.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from pydantic import BaseModel
from sqlalchemy import Row, bindparam
from sqlmodel import select

from imghost.errors import Invalid, NotFound
from imghost.models import Album, Image
from imghost.services import albums, expiry, image_types, slugs
from imghost.services.context import Context, reads_only
from imghost.services.images import ImagePublic, public
from imghost.services.processing.limits import DISPLAY_SIDE, THUMBNAIL_SIDE, fit
from imghost.services.storage import Storage

IMAGE_GONE = NotFound("No image at that address.", code="image_not_found")
ALBUM_GONE = NotFound("No shared album at that address.", code="album_not_found")
WEBP = "image/webp"  # the pipeline's derivatives

# A Core select, not ORM objects: the page is read-only and the hottest public route
# (every unfurl, every visitor); public() reads the same attribute names. Built once
# with bind parameters: composing and cache-keying a fresh select cost more CPU than
# running it.
_IMAGES = Image.__table__
_IMAGE_BY_SLUG = select(_IMAGES).where(_IMAGES.c.slug == bindparam("slug"),
                                       expiry.still_there(bindparam("now"), _IMAGES))
_ALBUMS = Album.__table__
_ALBUM_BY_SHARE_SLUG = (select(_ALBUMS.c.id, _ALBUMS.c.title, _ALBUMS.c.description,
                               _ALBUMS.c.cover_image_id)
                        .where(_ALBUMS.c.share_slug == bindparam("slug")))


@dataclass(frozen=True)
class Picture:
    """One stored rendition of an image, with its size when known."""

    url: str
    width: int | None
    height: int | None
    content_type: str


@dataclass(frozen=True)
class SharedImage:
    image: ImagePublic
    # Smallest first: thumbnail, display size, original (those that exist).
    renditions: list[Picture]

    @property
    def shown(self) -> Picture:
        """What a page shows and unfurls: the display size, else the original."""
        if self.image.display_url:
            return next(p for p in self.renditions if p.url == self.image.display_url)
        return self.renditions[-1]

    @property
    def thumbnail(self) -> Picture:
        return self.renditions[0]


@dataclass(frozen=True)
class SharedAlbum:
    title: str
    description: str
    page_url: str
    cover: SharedImage | None
    images: list[SharedImage]
    image_count: int
    # The id the next page starts below (?before=), None on the last page.
    next_before: int | None


def renditions(image: ImagePublic) -> list[Picture]:
    w, h = image.width, image.height

    def sized(side: int) -> tuple[int | None, int | None]:
        return fit(w, h, side) if w and h else (None, None)

    found = []
    if image.thumbnail_url:
        found.append(Picture(image.thumbnail_url, *sized(THUMBNAIL_SIDE), WEBP))
    if image.display_url:
        found.append(Picture(image.display_url, *sized(DISPLAY_SIDE), WEBP))
    found.append(Picture(image.public_url, w, h, image.content_type))
    return found


def shared(image, storage: Storage) -> SharedImage:
    """An Image (ORM object or Core row) with its renditions."""
    shown = public(image, storage)
    return SharedImage(image=shown, renditions=renditions(shown))


@reads_only
def image_row(ctx: Context, slug: str) -> Row:
    """The image's row, read now: an unknown, deleted or expired image is NotFound.
    Everything its page shows is a function of this row (and the site's settings)."""
    if not slugs.looks_like_slug(slug):
        raise IMAGE_GONE
    image = ctx.session.connection().execute(
        _IMAGE_BY_SLUG, {"slug": slug, "now": ctx.clock()}).first()
    if image is None:
        raise IMAGE_GONE
    return image


@reads_only
def image_page(ctx: Context, slug: str) -> SharedImage:
    return shared(image_row(ctx, slug), ctx.storage)


@dataclass(frozen=True)
class AlbumRows:
    """A shared album's page as read from the database: the page is a function of
    these values (and the site's settings)."""

    slug: str
    album: Row
    images: tuple[Row, ...]  # this page's, newest first
    more: bool  # images follow this page
    cover: Row | None
    image_count: int


@reads_only
def album_rows(ctx: Context, slug: str, before: int | None = None) -> AlbumRows:
    """Read now: an unknown or unshared album is NotFound, its expired images are left out."""
    if not slugs.looks_like_slug(slug):
        raise ALBUM_GONE
    album = ctx.session.connection().execute(_ALBUM_BY_SHARE_SLUG, {"slug": slug}).first()
    if album is None:
        raise ALBUM_GONE
    rows, more = albums.images_in(ctx, album.id, ctx.settings.share_page_images, before)
    first_page = rows if before is None else None
    # An album that fits on its first page (most do) needs no count and, unless its
    # chosen cover is not on the page, no cover read.
    count = len(rows) if first_page is not None and not more else albums.count_images(ctx, album.id)
    return AlbumRows(slug=slug, album=album, images=tuple(rows), more=more,
                     cover=albums.cover_image(ctx, album, first_page), image_count=count)


def shared_album(found: AlbumRows, storage: Storage, site_url: str) -> SharedAlbum:
    album, rows = found.album, found.images
    return SharedAlbum(
        title=album.title, description=album.description,
        page_url=albums.album_page_url(site_url, found.slug),
        cover=shared(found.cover, storage) if found.cover is not None else None,
        images=[shared(row, storage) for row in rows],
        image_count=found.image_count,
        next_before=rows[-1].id if found.more and rows else None)


@reads_only
def album_page(ctx: Context, slug: str, before: int | None = None) -> SharedAlbum:
    return shared_album(album_rows(ctx, slug, before), ctx.storage, ctx.settings.site_url)


def slug_of_page_url(ctx: Context, url: str) -> str:
    """The slug of one of this site's image pages; NotFound for any other address."""
    parts = urlsplit(url or "")
    site = urlsplit(ctx.settings.site_url)
    path = parts.path.rstrip("/")
    if (parts.scheme not in ("http", "https") or parts.netloc.lower() != site.netloc.lower()
            or not path.startswith("/i/")):
        raise NotFound("oEmbed knows only this site's image pages (/i/...).",
                       code="image_not_found")
    return path[len("/i/"):]


class OEmbedPhoto(BaseModel):
    """An oEmbed 1.0 "photo" answer (https://oembed.com/); the API's schema is this class."""

    title: str
    url: str
    width: int
    height: int
    provider_name: str
    provider_url: str
    thumbnail_url: str
    thumbnail_width: int
    thumbnail_height: int
    version: str = "1.0"
    type: str = "photo"


@reads_only
def oembed_image(ctx: Context, url: str, max_width: int | None = None,
                 max_height: int | None = None) -> Row:
    """The row of the image page at url (see image_row), once the bounds are checked."""
    for name, value in (("maxwidth", max_width), ("maxheight", max_height)):
        if value is not None and value < 1:
            raise Invalid(f"{name} must be a positive number.", code="validation_error",
                          errors=[{"field": name, "message": "A positive number."}])
    return image_row(ctx, slug_of_page_url(ctx, url))


def oembed(page: SharedImage, site_url: str, max_width: int | None = None,
           max_height: int | None = None) -> OEmbedPhoto:
    """The answer for an image oembed_image found: a function of its row and the bounds."""
    # The largest rendition within the consumer's bounds, at most the display size
    # (what the page shows); the thumbnail, scaled down, if none fits.
    offered = page.renditions[:page.renditions.index(page.shown) + 1]
    sized = [p for p in offered if p.width and p.height]
    if not sized:
        raise IMAGE_GONE  # not measured yet: no honest width/height to give
    fitting = [p for p in sized if (max_width is None or p.width <= max_width)
               and (max_height is None or p.height <= max_height)]
    choice = (fitting or sized[:1])[-1]
    width, height = choice.width, choice.height
    if not fitting:
        scale = min((max_width or width) / width, (max_height or height) / height)
        width, height = max(1, int(width * scale)), max(1, int(height * scale))
    thumb = page.thumbnail
    return OEmbedPhoto(title=page.image.filename, url=choice.url, width=width, height=height,
                       provider_name="imghost", provider_url=site_url,
                       thumbnail_url=thumb.url, thumbnail_width=thumb.width or width,
                       thumbnail_height=thumb.height or height)


def file_lifetime(ctx: Context, key: str) -> float | None:
    """Seconds the stored object at key has left (<= 0: expired, its URL must 404 at
    once, before the sweep takes the bytes); None when it never expires. One
    unique-index lookup: a derivative's key is its original's stem plus a suffix."""
    stem = key.rsplit(".", 1)[0].split("_", 1)[0]
    originals = [f"{stem}.{extension}" for extension in image_types.BY_EXTENSION]
    expires_at = ctx.session.exec(select(Image.expires_at).where(
        Image.r2_key.in_(originals), Image.expires_at.is_not(None)).limit(1)).first()
    if expires_at is None:
        return None
    now = ctx.clock()
    if expires_at.tzinfo is None:  # SQLite hands back naive UTC
        expires_at = expires_at.replace(tzinfo=now.tzinfo)
    return (expires_at - now).total_seconds()
