"""The S3 client's cheaper per-call paths give what botocore's own would."""

from __future__ import annotations

import pytest
from botocore.utils import parse_timestamp

from imghost.services.storage.s3_client import parse_timestamp_fast

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
