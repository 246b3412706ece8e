"""How images and sizes read on screen (shared by the gallery and the upload list)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from imghost.services.images import ImagePublic
from imghost.services.labels import human_size, markdown_link

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
    # The server-rendered share page (/i/{slug}).
    page_url: str = ""
    # "" when the image never expires, else when it will.
    expires: str = ""


def gallery_image(image: ImagePublic) -> GalleryImage:
    measured = bool(image.width and image.height)
    return GalleryImage(
        id=image.id,
        filename=image.filename,
        url=image.public_url,
        thumb=image.thumbnail_url or image.display_url or image.public_url,
        large=image.display_url or image.public_url,
        size_label=human_size(image.size_bytes),
        dimensions=f"{image.width} × {image.height} px" if measured else "not measured yet",
        created=image.created_at.strftime("%Y-%m-%d %H:%M UTC"),
        content_type=image.content_type,
        markdown=markdown_link(image.filename, image.public_url),
        ratio=round(image.width / image.height, 4) if measured else 1.0,
        placeholder=image.placeholder if PLACEHOLDER.match(image.placeholder or "") else "",
        page_url=image.page_url,
        expires=image.expires_at.strftime("%Y-%m-%d %H:%M UTC") if image.expires_at else "",
    )
