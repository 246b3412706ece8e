"""How images and sizes read on screen (shared by the gallery and the upload list)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from imghost.services.images import ImagePublic
from imghost.services.labels import human_size, markdown_link, utc_label
from imghost.services.processing.blur import blurhash_data_url, colour_data_url
from imghost.services.processing.limits import DISPLAY_SIDE, THUMBNAIL_SIDE, fit

__all__ = ["GalleryImage", "gallery_image", "human_size", "markdown_link", "storage_usage"]

# The pipeline's placeholder is an average colour; anything else is not put into CSS.
PLACEHOLDER = re.compile(r"^#[0-9a-fA-F]{6}$")


def storage_usage(bytes_stored: int, quota_bytes: int | None) -> tuple[str, int]:
    """("1.2 GB of 10 GB used", percent) for the upload page; percent 0 without a quota."""
    if quota_bytes is None:
        return f"{human_size(bytes_stored)} used (no limit)", 0
    percent = min(100, round(100 * bytes_stored / quota_bytes)) if quota_bytes else 100
    return f"{human_size(bytes_stored)} of {human_size(quota_bytes)} used", percent


@dataclass
class GalleryImage:
    """One image as the gallery shows it: every label preformatted in Python."""

    id: int = 0
    filename: str = ""
    url: str = ""
    thumb: str = ""
    # The large view's picture: the pipeline's display size when made, else the original.
    large: str = ""
    size_label: str = ""
    dimensions: str = ""
    created: str = ""
    content_type: str = ""
    markdown: str = ""
    # width / height; square until the image pipeline has measured the image.
    ratio: float = 1.0
    # "#rrggbb" shown while the picture loads; empty when not known.
    placeholder: str = ""
    # The tile's picture: srcset of the thumbnail and display sizes, with the
    # thumbnail's own width and height (the browser reserves the box before loading).
    srcset: str = ""
    thumb_width: int = THUMBNAIL_SIDE
    thumb_height: int = THUMBNAIL_SIDE
    # Shown under the thumbnail until it arrives: a data: URL of the blurhash preview
    # (or of the average colour); an <img> source, never a style (see processing/blur.py).
    preview: str = ""
    # The server-rendered share page (/i/{slug}).
    page_url: str = ""
    # "" when the image never expires, else when it will.
    expires: str = ""


def _srcset(image: ImagePublic, measured: bool) -> str:
    if not (measured and image.thumbnail_url):
        return ""
    candidates = [f"{image.thumbnail_url} {fit(image.width, image.height, THUMBNAIL_SIDE)[0]}w"]
    if image.display_url:
        candidates.append(f"{image.display_url} {fit(image.width, image.height, DISPLAY_SIDE)[0]}w")
    return ", ".join(candidates)


def _preview(image: ImagePublic, colour: str) -> str:
    preview = blurhash_data_url(image.blurhash) if image.blurhash else ""
    return preview or (colour_data_url(colour) if colour else "")


def expiry_label(expires_at) -> str:
    """"" when the image never expires, else when it will."""
    return utc_label(expires_at) if expires_at else ""


def gallery_image(image: ImagePublic) -> GalleryImage:
    measured = bool(image.width and image.height)
    colour = image.placeholder if PLACEHOLDER.match(image.placeholder or "") else ""
    thumb_width, thumb_height = (fit(image.width, image.height, THUMBNAIL_SIDE) if measured
                                 else (THUMBNAIL_SIDE, THUMBNAIL_SIDE))
    return GalleryImage(
        id=image.id,
        filename=image.filename,
        url=image.public_url,
        thumb=image.thumbnail_url or image.display_url or image.public_url,
        large=image.display_url or image.public_url,
        size_label=human_size(image.size_bytes),
        dimensions=f"{image.width} × {image.height} px" if measured else "not measured yet",
        created=utc_label(image.created_at),
        content_type=image.content_type,
        markdown=markdown_link(image.filename, image.public_url),
        ratio=round(image.width / image.height, 4) if measured else 1.0,
        placeholder=colour,
        srcset=_srcset(image, measured),
        thumb_width=thumb_width, thumb_height=thumb_height,
        preview=_preview(image, colour),
        page_url=image.page_url,
        expires=expiry_label(image.expires_at),
    )
