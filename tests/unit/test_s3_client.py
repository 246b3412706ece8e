"""The S3 client's cheaper per-call paths give what botocore's own would."""

from __future__ import annotations

import io

import pytest
from botocore.utils import parse_timestamp

from imghost.services.storage.s3 import S3Storage
from imghost.services.storage.s3_client import EXPECT_CONTINUE_ABOVE, parse_timestamp_fast
from imghost.settings import Settings
from tests.support.seaweed import ACCESS_KEY, BUCKET, SECRET_KEY

STAMPS = [
    "Sun, 29 Nov 2026 16:05:51 GMT",      # Last-Modified of a GetObject / HeadObject
    "Thu, 01 Jan 1970 00:00:00 GMT",
    "Tue, 29 Feb 2028 23:59:59 GMT",
    "2026-11-29T16:05:51.000Z",           # LastModified in ListObjectsV2 / CopyObject XML
    "2026-11-29T16:05:51Z",
    "2026-11-29T16:05:51.123456789Z",     # more digits than microseconds
    "2026-11-29T16:05:51.5Z",
    "2026-11-29T16:05:51+02:00",          # anything else: botocore's parser
    "2026-11-29 16:05:51",
    "1764432351",
    1764432351,
    1764432351.25,
]


@pytest.mark.parametrize("value", STAMPS)
def test_same_datetime_and_zone_as_botocore(value):
    ours, theirs = parse_timestamp_fast(value), parse_timestamp(value)
    assert ours == theirs
    # dateutil may call a "Z" stamp tzlocal() on a UTC machine; the instant is what counts.
    assert ours.utcoffset() == theirs.utcoffset()


@pytest.mark.parametrize("value", ["Sun, 31 Feb 2026 16:05:51 GMT", "Sun, 29 Foo 2026 1:2 GMT",
                                   "2026-13-29T16:05:51Z", "not a date Z"])
def test_invalid_stamps_fail_as_botocore_does(value):
    with pytest.raises(ValueError):
        parse_timestamp(value)
    with pytest.raises(ValueError):
        parse_timestamp_fast(value)


def sent_headers(storage: S3Storage, call) -> dict[str, str]:
    seen: dict[str, str] = {}

    def capture(request, **_kwargs):
        seen.update({key: value.decode() if isinstance(value, bytes) else value
                     for key, value in request.headers.items()})
    storage.client.meta.events.register("before-send.s3", capture)
    try:
        call()
    finally:
        storage.client.meta.events.unregister("before-send.s3", capture)
    return seen


def test_small_puts_send_body_at_once_large_ones_wait_with_crc32(seaweed):
    storage = S3Storage(Settings(storage="s3", s3_endpoint_url=seaweed.endpoint,
                                 s3_bucket=BUCKET, s3_access_key_id=ACCESS_KEY,
                                 s3_secret_access_key=SECRET_KEY, jwt_secret="x" * 40))
    small = sent_headers(storage, lambda: storage.put("unit/small", b"x" * 1000, "image/png"))
    assert "Expect" not in small and small["Content-Length"] == "1000"
    large_body = b"y" * (EXPECT_CONTINUE_ABOVE + 1)
    large = sent_headers(storage, lambda: storage.put_file(
        "unit/large", io.BytesIO(large_body), "image/png", len(large_body)))
    assert large["Expect"] == "100-continue"
    # CRC32 only where put_file asks for it; a small PUT's body is signed (SHA-256) instead.
    assert "x-amz-checksum-crc32" not in small and "x-amz-sdk-checksum-algorithm" not in small
    assert small["X-Amz-Content-SHA256"] != "UNSIGNED-PAYLOAD"
    assert "x-amz-checksum-crc32" in large
    # Both arrive whole, and the store still checks what was signed.
    assert storage.read("unit/small") == b"x" * 1000
    assert storage.read("unit/large") == large_body
    # Reads and copies carry no body: no Expect, as before.
    assert "Expect" not in sent_headers(storage, lambda: storage.read("unit/small"))
