"""The SigV4 presigner gives exactly boto3's URLs (same instant, same inputs)."""

from __future__ import annotations

from datetime import UTC, datetime
from unittest import mock

import boto3
import pytest
from botocore.config import Config

from imghost.services.storage.presign import SigV4Presigner

ACCESS, SECRET = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
ENDPOINTS = [("http://127.0.0.1:8333", "us-east-1"),
             ("https://account.r2.cloudflarestorage.com", "auto"),
             ("https://s3.example.com:443", "eu-west-1"),
             ("https://minio.example.com:9443/", "us-east-1"),
             ("http://localhost", "us-west-2")]
KEYS = ["12/0123456789abcdef0123456789abcdef.png",
        "7/fedcba9876543210fedcba9876543210_thumb.webp",
        "999999999999/00000000000000000000000000000000.avif"]
INSTANTS = [datetime(2026, 11, 25, 14, 5, 35), datetime(2030, 1, 1, 0, 0, 0),
            datetime(2026, 2, 28, 23, 59, 59)]


def boto_client(endpoint: str, region: str):
    return boto3.client("s3", endpoint_url=endpoint, region_name=region,
                        aws_access_key_id=ACCESS, aws_secret_access_key=SECRET,
                        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))


def boto_url(client, instant: datetime, operation: str, params: dict, expires: int,
             method: str | None = None) -> str:
    with mock.patch("botocore.auth.get_current_datetime", return_value=instant):
        return client.generate_presigned_url(operation, Params=params, ExpiresIn=expires,
                                             HttpMethod=method)


@pytest.mark.parametrize("endpoint,region", ENDPOINTS)
@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("instant", INSTANTS)
def test_put_url_is_byte_identical_to_boto3(endpoint, region, key, instant):
    client = boto_client(endpoint, region)
    ours = SigV4Presigner(endpoint, "imghost", region, ACCESS, SECRET)
    for content_type, size in (("image/png", 1234), ("image/jpeg", 26_214_400),
                               ("image/avif", 1)):
        expected = boto_url(client, instant, "put_object",
                            {"Bucket": "imghost", "Key": key, "ContentType": content_type,
                             "ContentLength": size}, 900, "PUT")
        got = ours.presign("PUT", key, 900, instant.replace(tzinfo=UTC),
                           {"content-type": content_type, "content-length": str(size)})
        assert got == expected


@pytest.mark.parametrize("endpoint,region", ENDPOINTS)
def test_get_url_is_byte_identical_to_boto3(endpoint, region):
    client = boto_client(endpoint, region)
    ours = SigV4Presigner(endpoint, "imghost", region, ACCESS, SECRET)
    for key in KEYS:
        for instant in INSTANTS:
            expected = boto_url(client, instant, "get_object", {"Bucket": "imghost", "Key": key},
                                300)
            assert ours.presign("GET", key, 300, instant) == expected


def test_signing_key_follows_the_date():
    ours = SigV4Presigner("http://127.0.0.1:8333", "imghost", "us-east-1", ACCESS, SECRET)
    client = boto_client("http://127.0.0.1:8333", "us-east-1")
    for instant in (INSTANTS[0], INSTANTS[1], INSTANTS[0]):  # cache must not go stale
        expected = boto_url(client, instant, "get_object", {"Bucket": "imghost", "Key": KEYS[0]},
                            60)
        assert ours.presign("GET", KEYS[0], 60, instant) == expected


def test_endpoints_with_a_path_fall_back_to_boto3():
    from imghost.services.storage.presign import supported

    assert supported("https://account.r2.cloudflarestorage.com")
    assert supported("http://127.0.0.1:8333/")
    assert not supported("https://gateway.example.com/s3")
