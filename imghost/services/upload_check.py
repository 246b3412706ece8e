"""Confirm's slow step: the uploaded object checked, and published at the image's key.

No database here (it runs on the slow lane, holding no pooled connection): it reads the
staging object, checks its size, type and pixels (services/processing), stores exactly
those bytes (or their metadata-free rewrite) and, for a small image, its thumbnail.
"""

from __future__ import annotations

from typing import NamedTuple

from imghost.errors import Invalid
from imghost.services import image_types, processing
from imghost.services.processing.inline import MadeNow, make_now
from imghost.services.storage import Storage
from imghost.services.storage.base import ObjectChanged, SizeDiffers
from imghost.settings import Settings


class OpenGrant(NamedTuple):
    """uploads._OPEN_GRANT's row, in its column order."""

    r2_key: str
    content_type: str
    size_bytes: int
    image_lifetime_seconds: int | None
    bytes_stored: int
    quota_bytes: int | None


class ObjectMissing(Exception):
    """Nothing stored under the key yet: not a refusal, the client may still PUT it."""


def verify_stored_object(storage: Storage, settings: Settings, grant: OpenGrant
                          ) -> tuple[processing.PreparedOriginal, MadeNow | None]:
    """Check the uploaded bytes and store exactly those (or their metadata-free rewrite)
    at the image's key, with the thumbnail when the image is small. A slow step: no
    database here. Invalid means refused: the caller deletes the upload and its grant."""
    key = grant.r2_key
    if grant.size_bytes > settings.max_upload_bytes:  # granted before the limit was lowered
        raise size_mismatch(grant.size_bytes, grant)
    try:
        upload = storage.read_upload(storage.upload_key(key), grant.size_bytes)
    except SizeDiffers as differs:
        raise size_mismatch(differs.size, grant) from None
    if upload is None:
        raise ObjectMissing("Nothing has been uploaded to that key yet.")
    actual = image_types.sniff(upload.data[:image_types.SNIFF_BYTES])
    if actual is None or actual.content_type != grant.content_type:
        raise Invalid(f"The file is not a {image_types.ALLOWED[grant.content_type].label} image.",
                      code="not_an_image")
    # Image pipeline (services/processing): metadata strip, decode check, dimensions.
    try:
        prepared = processing.prepare_original(upload.data, grant.content_type,
                                               settings.keep_metadata)
    except processing.Rejected as error:
        raise Invalid(error.detail, code=error.code) from None
    try:
        storage.publish(upload, key, grant.content_type,
                        prepared.data if prepared.stripped else None)
    except ObjectChanged:
        raise changed_during_confirm() from None
    return prepared, make_now(storage, key, grant.content_type, prepared)


def size_mismatch(size: int, grant: OpenGrant) -> Invalid:
    return Invalid(f"The stored file has {size} bytes, not the declared {grant.size_bytes}.",
                   code="size_mismatch")


def changed_during_confirm() -> Invalid:
    return Invalid("The upload was replaced while it was being checked; start the upload again.",
                   code="upload_changed")
