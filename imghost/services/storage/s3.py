"""Cloudflare R2 or any S3-compatible store, through boto3.

Browsers upload to a staging key (`staging/{key}`): a presigned URL stays usable
until it expires, so it must never name a key an image is served from. Confirm
checks the staging object, then writes the final key itself (a server-side copy
of exactly the bytes it read, or the rewritten bytes) with our own headers.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, BinaryIO

from botocore.exceptions import BotoCoreError, ClientError

from imghost.errors import NotFound, Unavailable
from imghost.services.storage import presign
from imghost.services.storage.base import (
    ListedObject,
    ObjectChanged,
    PresignedPut,
    SizeDiffers,
    StoredObject,
    UploadedObject,
    app_file_url,
    cache_control,
)
from imghost.services.storage.deferred_deletes import DeferredDeletes
from imghost.settings import Settings

if TYPE_CHECKING:
    from botocore.client import BaseClient
    from botocore.config import Config

# How long a redirect to a private object stays usable.
GET_URL_TTL_SECONDS = 300
# DeleteObjects takes at most this many keys per request (S3 and R2 alike).
DELETE_BATCH = 1000
# Uploads land here; a bucket lifecycle rule expires what confirm and the sweep
# did not delete (docs/production.md, checked by `imghost doctor`).
STAGING_PREFIX = "staging/"


@contextmanager
def _storage_errors():
    """Turn network and server faults into Unavailable; missing objects are the caller's business."""
    try:
        yield
    except ClientError as error:
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        if status >= 500 or status in (401, 403):
            raise Unavailable("Storage refused the request.", code="storage_unavailable") from error
        raise NotFound("The stored object is missing.", code="object_missing") from error
    except BotoCoreError as error:
        raise Unavailable("Storage is unreachable.", code="storage_unavailable") from error


def _precondition_failed(error: BaseException | None) -> bool:
    return isinstance(error, ClientError) and (
        error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 412
        or error.response.get("Error", {}).get("Code") == "PreconditionFailed")


def _is_missing(error: ClientError) -> bool:
    code = str(error.response.get("Error", {}).get("Code", ""))
    return code in ("404", "NoSuchKey", "NotFound")


class S3Storage:
    kind = "s3"

    def __init__(self, settings: Settings, client_config: Config | None = None):
        self.settings = settings
        self.bucket = settings.s3_bucket
        self._client_config = client_config
        self._client: BaseClient | None = None
        self._client_lock = threading.Lock()
        # Same bytes as boto3's generate_presigned_url (tests/unit/test_presign.py)
        # without its per-URL request machinery.
        self.presigner = (presign.SigV4Presigner(
            settings.s3_endpoint, self.bucket, settings.s3_region_name,
            settings.s3_access_key_id, settings.s3_secret_access_key)
            if presign.supported(settings.s3_endpoint) else None)
        self.deferred_deletes = DeferredDeletes(self.delete_many)

    @property
    def client(self) -> BaseClient:
        """boto3's client, made on first use: importing boto3 and loading its S3 model
        (~0.2 s of CPU, a sixth of building the API) is work a start does in a thread
        while it waits for the database (startup.prepare_server), not before it."""
        client = self._client
        if client is None:
            with self._client_lock:  # one client, whichever thread asks first
                if self._client is None:
                    self._client = self._make_client()
                client = self._client
        return client

    def _make_client(self) -> BaseClient:
        from botocore.config import Config

        from imghost.services.storage.s3_client import make_client

        settings = self.settings
        return make_client(
            settings.s3_endpoint, settings.s3_region_name,
            settings.s3_access_key_id, settings.s3_secret_access_key,
            self._client_config
            or Config(
                signature_version="s3v4",
                s3={"addressing_style": "path"},
                connect_timeout=5,
                read_timeout=30,
                retries={"total_max_attempts": 2, "mode": "standard"},
                # No CRC32 computed, sent and checked on every call (botocore's default
                # since 1.36; ~8% of a small PUT's or GET's CPU). A PUT's body stays
                # checked by the store: without a checksum header botocore signs its
                # SHA-256 (x-amz-content-sha256), over http and https alike. Reads come
                # over TLS, and confirm inspects the bytes it read anyway. put_file asks
                # for CRC32 itself (see there).
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
            ),
        )

    def upload_key(self, key: str) -> str:
        return STAGING_PREFIX + key

    def presign_put(self, key: str, content_type: str, size: int) -> PresignedPut:
        ttl = self.settings.upload_url_ttl_seconds
        # ContentType and ContentLength become signed headers: the store itself
        # refuses a body of another type or length.
        now = datetime.now(UTC)
        if self.presigner is not None:
            url = self.presigner.presign("PUT", key, ttl, now, {
                "content-type": content_type, "content-length": str(size)})
        else:
            url = self.client.generate_presigned_url(
                "put_object", Params={"Bucket": self.bucket, "Key": key,
                                      "ContentType": content_type, "ContentLength": size},
                ExpiresIn=ttl, HttpMethod="PUT")
        return PresignedPut(
            url=url,
            expires_at=now + timedelta(seconds=ttl),
            headers={"Content-Type": content_type},
        )

    def presign_get(self, key: str) -> str:
        if self.presigner is not None:
            return self.presigner.presign("GET", key, GET_URL_TTL_SECONDS, datetime.now(UTC))
        return self.client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": key},
            ExpiresIn=GET_URL_TTL_SECONDS)

    def head(self, key: str) -> StoredObject | None:
        with _storage_errors():
            try:
                reply = self.client.head_object(Bucket=self.bucket, Key=key)
            except ClientError as error:
                if _is_missing(error):
                    return None
                raise
        return StoredObject(size=reply["ContentLength"], content_type=reply.get("ContentType", ""))

    def read_prefix(self, key: str, n: int) -> bytes:
        with _storage_errors():
            reply = self.client.get_object(Bucket=self.bucket, Key=key, Range=f"bytes=0-{n - 1}")
            return reply["Body"].read()

    def read(self, key: str) -> bytes:
        with _storage_errors():
            return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()

    def read_upload(self, upload_key: str, size: int) -> UploadedObject | None:
        # One GET: its headers carry the length (checked before the body is read) and
        # the ETag the copy to the final key is pinned to.
        with _storage_errors():
            try:
                reply = self.client.get_object(Bucket=self.bucket, Key=upload_key)
            except ClientError as error:
                if _is_missing(error):
                    return None
                raise
            body = reply["Body"]
            try:
                if reply["ContentLength"] != size:
                    raise SizeDiffers(reply["ContentLength"])
                data = body.read()
            finally:
                body.close()
            return UploadedObject(key=upload_key, data=data, etag=reply.get("ETag"))

    def _headers(self, content_type: str) -> dict[str, str]:
        # Served as an inline image whatever the uploader's PUT said.
        return {"ContentType": content_type, "ContentDisposition": "inline",
                "CacheControl": cache_control(self.settings)}

    def put(self, key: str, data: bytes, content_type: str) -> None:
        with _storage_errors():
            self.client.put_object(Bucket=self.bucket, Key=key, Body=data,
                                   **self._headers(content_type))

    def publish(self, upload: UploadedObject, key: str, content_type: str,
                rewritten: bytes | None) -> None:
        if rewritten is not None or not upload.etag:
            # Without an ETag to pin the copy to, send the bytes that were checked.
            self.put(key, upload.data if rewritten is None else rewritten, content_type)
            return
        # If-Match on the ETag confirm read: a PUT to the staging key since then
        # (the presigned URL still works) makes the copy fail instead of
        # publishing bytes nobody checked.
        try:
            with _storage_errors():
                self.client.copy_object(
                    Bucket=self.bucket, Key=key,
                    CopySource={"Bucket": self.bucket, "Key": upload.key},
                    CopySourceIfMatch=upload.etag, MetadataDirective="REPLACE",
                    **self._headers(content_type))
        except NotFound as error:
            if _precondition_failed(error.__cause__):
                raise ObjectChanged(upload.key) from None
            raise

    def put_file(self, key: str, file: BinaryIO, content_type: str, size: int) -> None:
        # One PUT streamed from the (spooled) file; boto3 reads it in chunks. CRC32 as
        # botocore's default would: over https it spares a large body the SHA-256 pass
        # that signing it would otherwise cost.
        with _storage_errors():
            self.client.put_object(Bucket=self.bucket, Key=key, Body=file,
                                   ContentType=content_type, ContentLength=size,
                                   ChecksumAlgorithm="CRC32")

    def delete(self, key: str) -> None:
        with _storage_errors():
            self.client.delete_object(Bucket=self.bucket, Key=key)

    def delete_soon(self, key: str) -> None:
        self.deferred_deletes.add(key)

    def delete_many(self, keys: list[str]) -> None:
        for start in range(0, len(keys), DELETE_BATCH):
            chunk = keys[start:start + DELETE_BATCH]
            with _storage_errors():
                reply = self.client.delete_objects(Bucket=self.bucket, Delete={
                    "Objects": [{"Key": key} for key in chunk], "Quiet": True})
            if reply.get("Errors"):
                first = reply["Errors"][0]
                raise Unavailable(f"Storage could not delete {len(reply['Errors'])} object(s) "
                                  f"({first.get('Code')}: {first.get('Key')}).",
                                  code="storage_unavailable")

    def list_objects(self, page_size: int = 1000) -> Iterator[ListedObject]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, PaginationConfig={"PageSize": page_size})
        with _storage_errors():
            for page in pages:
                for item in page.get("Contents", ()):
                    yield ListedObject(key=item["Key"], modified=item["LastModified"])

    def public_url(self, key: str) -> str:
        return self.public_url_prefix() + key

    def public_url_prefix(self) -> str:
        if self.settings.s3_public_base_url:
            return f"{self.settings.s3_public_base_url}/"
        return app_file_url(self.settings, "")

    def check(self) -> None:
        with _storage_errors():
            self.client.head_bucket(Bucket=self.bucket)

    def close(self) -> None:
        self.deferred_deletes.flush()

    def prepare(self) -> None:
        self.client  # noqa: B018 (made now, not in the first request that needs it)
