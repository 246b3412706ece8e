"""Cloudflare R2 or any S3-compatible store, through boto3."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from imghost.errors import NotFound, Unavailable
from imghost.services.storage import presign
from imghost.services.storage.base import PresignedPut, StoredObject, app_file_url
from imghost.settings import Settings

# How long a redirect to a private object stays usable.
GET_URL_TTL_SECONDS = 300
DELETE_BATCH = 1000


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


def _is_missing(error: ClientError) -> bool:
    code = str(error.response.get("Error", {}).get("Code", ""))
    return code in ("404", "NoSuchKey", "NotFound")


class S3Storage:
    kind = "s3"

    def __init__(self, settings: Settings, client_config: Config | None = None):
        self.settings = settings
        self.bucket = settings.s3_bucket
        self.client = boto3.client(
            "s3",
            endpoint_url=settings.s3_endpoint,
            region_name=settings.s3_region_name,
            aws_access_key_id=settings.s3_access_key_id,
            aws_secret_access_key=settings.s3_secret_access_key,
            config=client_config
            or Config(
                signature_version="s3v4",
                s3={"addressing_style": "path"},
                connect_timeout=5,
                read_timeout=30,
                retries={"total_max_attempts": 2, "mode": "standard"},
            ),
        )
        # Same bytes as boto3's generate_presigned_url (tests/unit/test_presign.py)
        # without its per-URL request machinery.
        self.presigner = (presign.SigV4Presigner(
            settings.s3_endpoint, self.bucket, settings.s3_region_name,
            settings.s3_access_key_id, settings.s3_secret_access_key)
            if presign.supported(settings.s3_endpoint) else None)

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

    def put(self, key: str, data: bytes, content_type: str) -> None:
        with _storage_errors():
            self.client.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type)

    def delete(self, key: str) -> None:
        with _storage_errors():
            self.client.delete_object(Bucket=self.bucket, Key=key)

    def delete_many(self, keys: list[str]) -> None:
        # One DeleteObjects request per 1,000 keys (the S3 and R2 maximum).
        for first in range(0, len(keys), DELETE_BATCH):
            batch = [{"Key": key} for key in keys[first:first + DELETE_BATCH]]
            with _storage_errors():
                reply = self.client.delete_objects(Bucket=self.bucket,
                                                   Delete={"Objects": batch, "Quiet": True})
            if reply.get("Errors"):
                raise Unavailable(f"Storage could not delete {len(reply['Errors'])} objects.",
                                  code="storage_unavailable")

    def public_url(self, key: str) -> str:
        if self.settings.s3_public_base_url:
            return f"{self.settings.s3_public_base_url}/{key}"
        return app_file_url(self.settings, key)

    def check(self) -> None:
        with _storage_errors():
            self.client.head_bucket(Bucket=self.bucket)
