"""Upload in one request (POST /api/images, for ShareX, Flameshot scripts, curl).

There is no second rule book here: the action grants itself an upload with
uploads.start, writes the bytes where that grant points, and records them with
uploads.finish, so the type, size, quota, rate-limit and metadata rules are exactly
the browser's. It adds one thing: a per-image secret for the delete_url.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Generator
from dataclasses import dataclass
from typing import BinaryIO

from sqlalchemy import update

from imghost.models import Image, User
from imghost.services import credentials, image_types, uploads
from imghost.services.context import Context, SlowStep
from imghost.services.images import ImagePublic

DEFAULT_FILENAME = "upload"


@dataclass(frozen=True)
class Uploaded:
    image: ImagePublic
    delete_secret: str  # only in this answer; the database keeps its SHA-256


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@credentials.requires("images:write")
def check_allowed(_ctx: Context, _user: User) -> None:
    """Run before the body is read: a caller who may not upload is refused without
    the server spooling up to the size limit to disk first."""


@credentials.requires("images:write")
def upload(ctx: Context, user: User, file: BinaryIO, size: int, filename: str | None,
           declared_type: str) -> Generator[SlowStep, object, Uploaded]:
    """Store and record one file received by the server itself. A generator action, as
    uploads.finish is: checking the bytes runs as its slow step."""
    file.seek(0)
    sniffed = image_types.sniff(file.read(image_types.SNIFF_BYTES))
    file.seek(0)
    # Clients send application/octet-stream as often as not: the bytes decide, and a
    # file that is no known image keeps the declared type so start() refuses it.
    content_type = sniffed.content_type if sniffed else declared_type
    name = filename or DEFAULT_FILENAME
    grant = uploads.start(ctx, user, name, content_type, size)
    # Written where a client's PUT would land (S3/R2: the staging key), before the grant
    # is committed: a storage failure rolls the grant back, and both backends only
    # ever show a whole object.
    ctx.storage.put_file(ctx.storage.upload_key(grant.r2_key), file, content_type, size)
    finished = yield from uploads.finish(ctx, user, grant.r2_key, name, size, content_type)
    secret = secrets.token_urlsafe(32)
    ctx.session.execute(update(Image).where(Image.id == finished.image.id)
                        .values(delete_secret_hash=hash_secret(secret)))
    return Uploaded(image=finished.image, delete_secret=secret)
