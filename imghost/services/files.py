"""Serving stored files (GET /api/files/{key}): only what belongs to an image.

An object without an image row is an upload nobody confirmed (or a leftover):
serving it would make every upload grant free anonymous hosting. A key is served
when it is an image's original or one of its derivatives (thumbnail, display).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import or_
from sqlmodel import select

from imghost.errors import NotFound
from imghost.models import Image
from imghost.services.context import Context
from imghost.services.image_types import BY_EXTENSION
from imghost.services.sharing import file_lifetime
from imghost.services.storage import KEY_PATTERN

# A derivative sits next to its original: `7/<hex>_thumb.webp` for `7/<hex>.jpg`
# (services/processing/worker.derivative_key).
DERIVATIVE = re.compile(r"^(?P<original>[0-9]{1,12}/[0-9a-f]{32})_[a-z0-9]{1,16}\.webp$")
NOT_FOUND = NotFound("No file at that address.", code="file_not_found")


@dataclass(frozen=True)
class ServedFile:
    """Exactly one of path (local disk) or redirect_url (S3/R2 presigned GET)."""

    content_type: str
    path: Path | None = None
    redirect_url: str | None = None
    # Seconds until the image expires (None: never): no cache may keep it longer.
    lifetime: float | None = None

    def cache_seconds(self, usual: int) -> int:
        return usual if self.lifetime is None else max(0, min(usual, int(self.lifetime)))


def _belongs_to_an_image(ctx: Context, key: str) -> bool:
    derivative = DERIVATIVE.fullmatch(key)
    if derivative is None:
        query = select(Image.id).where(Image.r2_key == key)
    else:
        # The original's extension is unknown: ask for each, so the unique index on
        # r2_key answers (thumbnail_key and display_key have no index).
        originals = [f"{derivative['original']}.{ext}" for ext in BY_EXTENSION]
        query = select(Image.id).where(Image.r2_key.in_(originals),
                                       or_(Image.thumbnail_key == key, Image.display_key == key))
    return ctx.session.exec(query.limit(1)).first() is not None


def serve(ctx: Context, key: str) -> ServedFile:
    """Where to read the file at key from; NotFound unless an image owns it."""
    if not KEY_PATTERN.fullmatch(key or "") or not _belongs_to_an_image(ctx, key):
        raise NOT_FOUND
    lifetime = file_lifetime(ctx, key)
    if lifetime is not None and lifetime <= 0:  # gone at once, before the sweep takes the bytes
        raise NOT_FOUND
    storage = ctx.storage
    extension = BY_EXTENSION[key.rsplit(".", 1)[1]]
    if storage.kind == "s3":
        return ServedFile(content_type=extension.content_type,
                          redirect_url=storage.presign_get(key), lifetime=lifetime)
    path = storage.path(key)
    if not path.is_file():
        raise NOT_FOUND
    return ServedFile(content_type=extension.content_type, path=path, lifetime=lifetime)
