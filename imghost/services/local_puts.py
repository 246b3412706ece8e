"""The local backend's signed PUT (PUT /api/files/{key}): exactly one upload per grant.

A signed URL stays valid until it expires, so the signature alone cannot make the
checked bytes final. A PUT is accepted only while its grant is open (granted, not
confirmed, no confirm running) and only if nothing is stored at the key yet; the
write itself refuses to replace an object (storage/local.py), which settles races.
"""

from __future__ import annotations

from sqlmodel import select

from imghost.errors import Forbidden, NotFound
from imghost.models import Image, UploadGrant
from imghost.services.context import Context
from imghost.services.storage.local import ObjectWriter

NOT_FOUND = NotFound("No file at that address.", code="file_not_found")


def _closed() -> Forbidden:
    return Forbidden("This upload URL is closed: the upload was confirmed, refused or "
                     "expired. Ask for a new upload URL.", code="upload_closed")


def _confirm_running(ctx: Context, key: str) -> bool:
    return ctx.claims is not None and key in ctx.claims.held([key])


def open_put(ctx: Context, key: str, content_type: str, size: int | None, expires: str,
             signature: str) -> ObjectWriter:
    """Check the signed PUT and its grant; the writer to stream the body into."""
    storage = ctx.storage
    if storage.kind != "local":
        raise NOT_FOUND  # S3/R2 uploads go to the bucket, never through the app
    storage.verify_put(key, content_type, size, expires, signature)
    grant = ctx.session.get(UploadGrant, key)
    if grant is None or _confirm_running(ctx, key):
        raise _closed()
    if storage.head(key) is not None:
        raise Forbidden("A file has already been uploaded with this URL; ask for a new "
                        "upload URL.", code="already_uploaded")
    return storage.begin_write(key, size, replace=False)


def settle_put(ctx: Context, key: str) -> None:
    """After the body is stored: if its grant closed meanwhile (its first upload was
    refused, or the image deleted) and no image owns the key, nobody could ever find
    the object again, so it goes."""
    if ctx.session.get(UploadGrant, key) is not None:
        return
    if ctx.session.exec(select(Image.id).where(Image.r2_key == key)).first() is not None:
        return
    ctx.storage.delete(key)
    raise _closed()
