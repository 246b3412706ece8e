"""Upload actions: start (grant a presigned PUT) and finish (check and record the object).

finish trusts nothing the client says: the object must be under the caller's prefix,
be granted, exist, have exactly the declared size, be a real image of the granted
type and fit the user's quota (services/quota.py). Repeated finishes of one key yield
one image; a finish while another of the same key runs is told so at once
(services/upload_claims.py). The object itself is checked and published in a slow step
(services/upload_check.py).
"""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Generator
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace

from sqlalchemy import bindparam, delete, insert, select
from sqlalchemy.exc import IntegrityError

from imghost.errors import ImghostError, Invalid, NotFound
from imghost.models import Image, UploadGrant, User, utcnow
from imghost.services import (
    credentials,
    expiry,
    image_types,
    processing,
    quota,
    slugs,
    upload_claims,
)
from imghost.services.context import Context, SlowStep, core_only, reads_only
from imghost.services.driver_cursor import first, returned, rowcount, typed_binds
from imghost.services.images import ImagePublic, public
from imghost.services.object_keys import image_keys
from imghost.services.processing.inline import MadeNow
from imghost.services.storage import KEY_PATTERN
from imghost.services.storage.availability import ensure_reachable
from imghost.services.upload_check import (
    ObjectMissing,
    OpenGrant,
    verify_stored_object,
)

MAX_FILENAME_CHARS = 255
FALLBACK_FILENAME = "image"


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


@reads_only  # one write, the grant, which stands alone: autocommit, no BEGIN/COMMIT
@credentials.requires("images:write")
def start(ctx: Context, user: User, filename: str, content_type: str,
          size_bytes: int, expires_in: int | None = None) -> ImageGrant:
    """A presigned PUT for one file, recorded as a grant so an unfinished upload is swept.
    expires_in: seconds the image lives once finished (None: it never expires)."""
    ctx.limiter.hit("upload_user", user.id)
    clean_filename(filename)
    kind = _checked_type(content_type)
    _checked_size(ctx, size_bytes)
    lifetime = expiry.checked_lifetime(ctx, expires_in)
    ensure_reachable(ctx.storage)
    key = f"{user.id}/{uuid.uuid4().hex}.{kind.extension}"
    # The URL names where the upload lands (S3/R2: a staging key), never the key the
    # image is served from: it stays usable after confirm, until it expires.
    presigned = ctx.storage.presign_put(ctx.storage.upload_key(key), kind.content_type,
                                        size_bytes)
    # The quota check and the grant are one Core statement (quota.py), the last step:
    # nothing after it can fail, so it needs no transaction.
    quota.insert_grant(ctx, user, {
        "r2_key": key, "user_id": user.id, "content_type": kind.content_type,
        "size_bytes": size_bytes, "expires_at": presigned.expires_at,
        "image_lifetime_seconds": lifetime})
    return ImageGrant(upload_url=presigned.url, method=presigned.method,
                      headers=presigned.headers, r2_key=key,
                      public_url=ctx.storage.public_url(key), expires_at=presigned.expires_at)


@core_only  # Core statements on ctx.session.connection() only: no ORM Session's cost
@credentials.requires("images:write")
def finish(ctx: Context, user: User, r2_key: str, filename: str, size_bytes: int,
           content_type: str | None = None) -> Generator[SlowStep, object, Finished]:
    """Record an uploaded object as an image, or refuse it (and delete what was stored).
    A generator action: reading and checking the bytes is a slow step (services/context.py)."""
    try:
        image, created, stored = yield from _finish(ctx, user, r2_key, filename, size_bytes,
                                                    content_type)
    except ImghostError as error:
        if error.status < 500:
            ctx.metrics.upload_refused(error.code)
        raise
    if created:
        ctx.metrics.upload_confirmed()
        ctx.audit("upload confirmed", user_id=user.id, image_id=image.id, key=image.r2_key,
                  size_bytes=image.size_bytes)
        if image.thumbnail_url:  # a small image: made by confirm itself (processing/inline.py)
            ctx.metrics.thumbnails_made()
        elif ctx.thumbnails is not None:  # listed now; thumbnails follow
            # From the bytes just checked and stored: the job need not read them back.
            thumbnails, image_id = ctx.thumbnails, image.id
            ctx.after_commit(lambda: thumbnails.schedule(image_id, stored))
    return Finished(image=image, created=created)


_grants, _images, _users = UploadGrant.__table__, Image.__table__, User.__table__
# The grant and, for the quota check, what its owner stores now: one statement.
_OPEN_GRANT = (select(_grants.c.r2_key, _grants.c.content_type, _grants.c.size_bytes,
                      _grants.c.image_lifetime_seconds, _users.c.bytes_stored,
                      _users.c.quota_bytes)
               .join(_users, _users.c.id == _grants.c.user_id)
               .where(_grants.c.r2_key == bindparam("key"),
                      _grants.c.user_id == bindparam("user_id")))


def _finish(ctx: Context, user: User, r2_key: str, filename: str, size_bytes: int,
            content_type: str | None
            ) -> Generator[SlowStep, object, tuple[ImagePublic, bool, bytes | None]]:
    """The image, whether this finish recorded it, and the bytes it stored (if it did)."""
    if not KEY_PATTERN.fullmatch(r2_key or "") or not r2_key.startswith(f"{user.id}/"):
        raise NotFound("No upload with that key.", code="upload_not_found")
    ctx.limiter.hit("confirm_user", user.id)
    display_name = clean_filename(filename)
    claim = ctx.claims.take(r2_key)
    if claim is None:  # answered at once: the client retries (Retry-After: 1)
        raise upload_claims.in_progress()
    # Released on every way out of this block, after the record is committed.
    with claim:
        if ctx.settings.is_sqlite:
            # SQLite may read from the snapshot the token check began; a new transaction
            # sees what the claim's previous holder committed (PostgreSQL's next
            # statement does: read committed).
            ctx.commit()
        found = first(ctx.session.connection(), _OPEN_GRANT, {"key": r2_key, "user_id": user.id})
        if found is None:  # an earlier finish recorded it (consuming the grant), or nothing
            existing = upload_claims.recorded_image(ctx.session.connection(), r2_key, user.id)
            if existing is None:
                raise NotFound("No upload with that key.", code="upload_not_found")
            return public(existing, ctx.storage), False, None
        grant = OpenGrant(*found)
        _check_declared(grant, size_bytes, content_type)
        try:
            quota.check_stored_room(ctx.settings.user_quota_bytes, grant.quota_bytes,
                                    grant.bytes_stored, grant.size_bytes)
        except quota.QuotaExceeded as error:
            raise _refuse_upload(ctx, grant, error) from None
        try:
            prepared, made = yield ctx.slow(verify_stored_object, ctx.storage, ctx.settings,
                                            grant)
        except ObjectMissing as error:
            raise Invalid(str(error), code="object_missing") from None  # the grant stays
        except Invalid as error:
            raise _refuse_upload(ctx, grant, error) from None
        claim.ensure_held()  # nobody else may have started on this upload meanwhile
        try:
            image = _record(ctx, user.id, grant, display_name, prepared, made)
            _drop_staging_after_commit(ctx, grant)
            ctx.commit()
            return image, True, prepared.data
        except quota.QuotaExceeded as error:
            raise _refuse_upload(ctx, grant, error) from None
        except IntegrityError:
            # The claim makes this unreachable in practice; the unique key index backs it up.
            ctx.session.rollback()
            winner = upload_claims.recorded_image(ctx.session.connection(), r2_key, user.id)
            if winner is None:
                raise
            return public(winner, ctx.storage), False, None


def _check_declared(grant: OpenGrant, size_bytes: int, content_type: str | None) -> None:
    declared = image_types.lookup(content_type) if content_type is not None else None
    if content_type is not None and (declared is None or declared.content_type != grant.content_type):
        raise Invalid("The content type differs from the one the upload was granted for.",
                      code="type_mismatch")
    if size_bytes != grant.size_bytes:
        raise Invalid("The size differs from the one the upload was granted for.",
                      code="size_mismatch")


def _refuse(ctx: Context, grant: OpenGrant, error: Invalid) -> Invalid:
    """Delete the refused object (and any thumbnail confirm made of it) and its grant,
    so nothing is left behind."""
    ctx.storage.delete_many(image_keys(grant.r2_key))
    ctx.session.rollback()
    rowcount(ctx.session.connection(), _DROP_GRANT, {"key": grant.r2_key})
    ctx.commit()
    return error


def _refuse_upload(ctx: Context, grant: OpenGrant, error: Invalid) -> Invalid:
    """_refuse, and the staging object too when uploads do not land at the image's key."""
    upload_key = ctx.storage.upload_key(grant.r2_key)
    if upload_key != grant.r2_key:
        ctx.storage.delete(upload_key)
    return _refuse(ctx, grant, error)


def _drop_staging_after_commit(ctx: Context, grant: OpenGrant) -> None:
    """The staging object is not needed once the image is recorded: deleted soon, in a
    batch with others and off the request's thread (a bucket lifecycle rule expires any
    that survive a failed delete)."""
    storage, upload_key = ctx.storage, ctx.storage.upload_key(grant.r2_key)
    if upload_key != grant.r2_key:
        ctx.after_commit(lambda: storage.delete_soon(upload_key))


def _record(ctx: Context, user_id: int, grant: OpenGrant, filename: str,
            prepared: processing.PreparedOriginal, made: MadeNow | None) -> ImagePublic:
    """Insert the image, charge its bytes and consume the grant: statements built once,
    run on the driver's cursor where that is exact (services/driver_cursor.py): the ORM's
    flush, and Core's per-statement work, cost more than running them."""
    key, connection = grant.r2_key, ctx.session.connection()
    row = {"user_id": user_id, "filename": filename, "r2_key": key,
           "content_type": grant.content_type, "size_bytes": prepared.size_bytes,
           "width": prepared.width, "height": prepared.height,
           "placeholder": prepared.placeholder, "public_url": ctx.storage.public_url(key),
           "slug": slugs.new_slug(), "created_at": utcnow(),
           "expires_at": expiry.expiry_after(ctx.clock(), grant.image_lifetime_seconds),
           "thumbnail_key": made and made.thumbnail_key, "display_key": made and made.display_key,
           "blurhash": made and made.blurhash}
    (image_id,) = returned(connection, _INSERT_IMAGE, row)
    quota.charge(connection, ctx.settings.user_quota_bytes, user_id, prepared.size_bytes)
    rowcount(connection, _DROP_GRANT, {"key": key})
    return public(SimpleNamespace(**row, id=image_id), ctx.storage)


_IMAGE_FIELDS = ("user_id", "filename", "r2_key", "content_type", "size_bytes", "width",
                 "height", "placeholder", "public_url", "slug", "created_at", "expires_at",
                 "thumbnail_key", "display_key", "blurhash")
_INSERT_IMAGE = insert(_images).values(typed_binds(_images, _IMAGE_FIELDS)).returning(_images.c.id)
_DROP_GRANT = delete(_grants).where(_grants.c.r2_key == bindparam("key"))
