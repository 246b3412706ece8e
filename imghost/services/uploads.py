"""Upload actions: start (grant a presigned PUT) and finish (check and record the object).

finish trusts nothing the client says: the object must be under the caller's prefix,
be granted, exist, have exactly the declared size, and be a real image of the granted
type. Repeated or concurrent finishes of one key yield one image.
"""

from __future__ import annotations

import logging
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError

from imghost.errors import ImghostError, Invalid, NotFound
from imghost.models import Image, UploadGrant, User
from imghost.services import image_types, processing, upload_claims
from imghost.services.context import Context
from imghost.services.images import ImagePublic, public
from imghost.services.storage import KEY_PATTERN
from imghost.services.storage.availability import ensure_reachable

MAX_FILENAME_CHARS = 255
FALLBACK_FILENAME = "image"
log = logging.getLogger("imghost.uploads")


@dataclass(frozen=True)
class ImageGrant:
    upload_url: str
    method: str
    headers: dict[str, str]
    r2_key: str
    public_url: str
    expires_at: datetime


@dataclass(frozen=True)
class Finished:
    image: ImagePublic
    created: bool  # False when an earlier finish of the same upload recorded it


def clean_filename(filename: str) -> str:
    """Display text only: last path component, no control characters, bounded length."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    if not filename:
        raise Invalid("The filename is empty.", code="validation_error",
                      errors=[{"field": "filename", "message": "Give the file a name."}])
    if not name or name in (".", ".."):
        # Nothing printable left ("/", a zero-width space): still a valid upload.
        return FALLBACK_FILENAME
    return name[:MAX_FILENAME_CHARS]


def _checked_type(content_type: str) -> image_types.ImageType:
    found = image_types.lookup(content_type or "")
    if found is None:
        raise Invalid(f"Only {image_types.allowed_labels()} images can be uploaded.",
                      code="unsupported_type",
                      errors=[{"field": "content_type", "message": "This file type is not allowed."}])
    return found


def _checked_size(ctx: Context, size_bytes: int) -> int:
    limit = ctx.settings.max_upload_bytes
    if size_bytes < 1:
        raise Invalid("The file is empty.", code="validation_error",
                      errors=[{"field": "size_bytes", "message": "Must be at least 1 byte."}])
    if size_bytes > limit:
        raise Invalid(f"The file is larger than the {limit // (1024 * 1024)} MiB limit.",
                      code="file_too_large",
                      errors=[{"field": "size_bytes", "message": f"At most {limit} bytes."}])
    return size_bytes


def start(ctx: Context, user: User, filename: str, content_type: str,
          size_bytes: int) -> ImageGrant:
    """A presigned PUT for one file, recorded as a grant so an unfinished upload is swept."""
    ctx.limiter.hit("upload_user", user.id)
    clean_filename(filename)
    kind = _checked_type(content_type)
    _checked_size(ctx, size_bytes)
    ensure_reachable(ctx.storage)
    key = f"{user.id}/{uuid.uuid4().hex}.{kind.extension}"
    presigned = ctx.storage.presign_put(key, kind.content_type, size_bytes)
    ctx.session.add(UploadGrant(r2_key=key, user_id=user.id, content_type=kind.content_type,
                                size_bytes=size_bytes, expires_at=presigned.expires_at))
    return ImageGrant(upload_url=presigned.url, method=presigned.method,
                      headers=presigned.headers, r2_key=key,
                      public_url=ctx.storage.public_url(key), expires_at=presigned.expires_at)


def finish(ctx: Context, user: User, r2_key: str, filename: str, size_bytes: int,
           content_type: str | None = None) -> Finished:
    """Record an uploaded object as an image, or refuse it (and delete what was stored)."""
    try:
        image, created = _finish(ctx, user, r2_key, filename, size_bytes, content_type)
    except ImghostError as error:
        if error.status < 500:
            ctx.metrics.upload_refused(error.code)
        raise
    if created:
        ctx.metrics.upload_confirmed()
        ctx.audit("upload confirmed", user_id=user.id, image_id=image.id, key=image.r2_key,
                  size_bytes=image.size_bytes)
        if ctx.thumbnails is not None:  # listed now; thumbnails follow
            thumbnails, image_id = ctx.thumbnails, image.id
            ctx.after_commit(lambda: thumbnails.schedule(image_id))
    return Finished(image=public(image, ctx.storage), created=created)


def _finish(ctx: Context, user: User, r2_key: str, filename: str, size_bytes: int,
            content_type: str | None) -> tuple[Image, bool]:
    session = ctx.session
    if not KEY_PATTERN.fullmatch(r2_key or "") or not r2_key.startswith(f"{user.id}/"):
        raise NotFound("No upload with that key.", code="upload_not_found")
    display_name = clean_filename(filename)
    while True:
        existing = upload_claims.recorded_image(session, r2_key, user.id)
        if existing is not None:
            return existing, False
        grant = session.get(UploadGrant, r2_key)
        if grant is None or grant.user_id != user.id:
            # A concurrent finish may have recorded the image (consuming the grant)
            # between the two reads above; PostgreSQL shows its commit to the next one.
            existing = upload_claims.recorded_image(session, r2_key, user.id)
            if existing is not None:
                return existing, False
            raise NotFound("No upload with that key.", code="upload_not_found")
        _check_declared(grant, size_bytes, content_type)
        claimed = upload_claims.claim(session, r2_key)
        ctx.commit()  # other finishes must see the claim at once
        if claimed:
            break
        winner = upload_claims.outcome_of_other_confirm(session, r2_key, user.id)
        if winner is not None:
            return winner, False
    try:
        prepared = _verify_stored_object(ctx, grant)
        image = _record(ctx, grant, display_name, prepared)
        ctx.commit()
        return image, True
    except Invalid:
        raise  # the grant and its object are gone already (_refuse)
    except IntegrityError:
        # The claim makes this unreachable in practice; the unique key index backs it up.
        session.rollback()
        winner = upload_claims.recorded_image(session, r2_key, user.id)
        if winner is None:
            raise
        return winner, False
    except BaseException:
        _give_back(ctx, r2_key)  # e.g. storage down: the upload may retry at once
        raise


def _give_back(ctx: Context, key: str) -> None:
    """Release the claim after a failure that was not the upload's fault."""
    try:
        upload_claims.release(ctx.session, key)
        ctx.commit()
    except Exception:  # the database itself may be the failure: the claim then lapses
        log.warning("could not release the claim on %s", key, exc_info=True)


def _check_declared(grant: UploadGrant, size_bytes: int, content_type: str | None) -> None:
    declared = image_types.lookup(content_type) if content_type is not None else None
    if content_type is not None and (declared is None or declared.content_type != grant.content_type):
        raise Invalid("The content type differs from the one the upload was granted for.",
                      code="type_mismatch")
    if size_bytes != grant.size_bytes:
        raise Invalid("The size differs from the one the upload was granted for.",
                      code="size_mismatch")


def _refuse(ctx: Context, grant: UploadGrant, error: Invalid) -> Invalid:
    """Delete the refused object and its grant, so nothing is left behind."""
    ctx.storage.delete(grant.r2_key)
    ctx.session.rollback()
    ctx.session.exec(delete(UploadGrant).where(UploadGrant.r2_key == grant.r2_key))
    ctx.commit()
    return error


def _verify_stored_object(ctx: Context, grant: UploadGrant) -> processing.PreparedOriginal:
    """Check the stored bytes; a refused object is deleted with its grant."""
    key, storage = grant.r2_key, ctx.storage
    stored = storage.head(key)
    if stored is None:
        _give_back(ctx, key)
        raise Invalid("Nothing has been uploaded to that key yet.", code="object_missing")
    if stored.size != grant.size_bytes or stored.size > ctx.settings.max_upload_bytes:
        raise _refuse(ctx, grant, Invalid(
            f"The stored file has {stored.size} bytes, not the declared {grant.size_bytes}.",
            code="size_mismatch"))
    actual = image_types.sniff(storage.read_prefix(key, image_types.SNIFF_BYTES))
    if actual is None or actual.content_type != grant.content_type:
        raise _refuse(ctx, grant, Invalid(
            f"The file is not a {image_types.ALLOWED[grant.content_type].label} image.",
            code="not_an_image"))
    # Image pipeline (services/processing): decode check, metadata strip, dimensions.
    try:
        return processing.prepare_original(storage, key, grant.content_type,
                                           ctx.settings.keep_metadata)
    except processing.Rejected as error:
        raise _refuse(ctx, grant, Invalid(error.detail, code=error.code)) from None


def _record(ctx: Context, grant: UploadGrant, filename: str,
            prepared: processing.PreparedOriginal) -> Image:
    key, session = grant.r2_key, ctx.session
    session.rollback()
    image = Image(user_id=grant.user_id, filename=filename, r2_key=key,
                  content_type=grant.content_type, size_bytes=prepared.size_bytes,
                  width=prepared.width, height=prepared.height,
                  placeholder=prepared.placeholder, public_url=ctx.storage.public_url(key))
    session.add(image)
    session.exec(update(User).where(User.id == grant.user_id).values(
        image_count=User.image_count + 1, bytes_stored=User.bytes_stored + prepared.size_bytes))
    session.exec(delete(UploadGrant).where(UploadGrant.r2_key == key))
    session.flush()
    return image
