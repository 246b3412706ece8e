"""The boto3 S3 client S3Storage uses, with botocore's per-call costs we can drop.

Each lever here goes through botocore's supported extension points (a session's
response parser defaults, the client's event handlers), leaves signing and the request
botocore builds as they are, and is measured in its commit (µs CPU per call against
SeaweedFS).
"""

from __future__ import annotations

import threading
from datetime import datetime

import boto3
import botocore.handlers
import botocore.session
from botocore.config import Config
from botocore.utils import determine_content_length, parse_timestamp
from dateutil.tz import tzutc

_MONTHS = {name: number for number, name in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1)}
# What botocore's parser gives a "GMT" or "Z" stamp, so callers see the same objects.
_UTC = tzutc()


def parse_timestamp_fast(value):
    """botocore's parse_timestamp, without dateutil's general parser for the two forms S3
    sends: an HTTP date in headers ("Sun, 29 Nov 2026 16:05:51 GMT", every GetObject's
    Last-Modified) and ISO 8601 UTC in XML bodies ("2026-11-29T16:05:51.000Z", listings
    and CopyObject). dateutil took ~10% of a GetObject's CPU. Anything else goes to
    botocore's own parser, so no value parses differently."""
    if isinstance(value, str):
        try:
            if value.endswith(" GMT"):
                _weekday, day, month, year, clock, _zone = value.split(" ")
                hour, minute, second = clock.split(":")
                return datetime(int(year), _MONTHS[month], int(day),
                                int(hour), int(minute), int(second), tzinfo=_UTC)
            if value.endswith("Z") and "T" in value:
                parsed = datetime.fromisoformat(value[:-1])
                if parsed.tzinfo is None:
                    return parsed.replace(tzinfo=_UTC)
        except (ValueError, KeyError):
            pass
    return parse_timestamp(value)


# Bodies up to this size go with their headers; larger ones wait for "100 Continue".
EXPECT_CONTINUE_ABOVE = 1024 * 1024


def expect_continue_for_large_bodies(model, params, **_kwargs) -> None:
    """botocore's add_expect_header, for bodies above EXPECT_CONTINUE_ABOVE only.

    botocore sends `Expect: 100-continue` with every PUT body (put_object turns bytes
    into a file object first), so each thumbnail or final-image PUT sent its headers,
    waited for the store's interim "100 Continue", then sent the body: a round trip and
    a select/read more per call. Waiting spares a body the store would refuse; for a
    small body, sending it costs less than that wait. A body of unknown length waits."""
    if model.http.get("method", "") not in ("PUT", "POST"):
        return
    body = params.get("body")
    if body is None or not hasattr(body, "read"):
        return
    length = determine_content_length(body)
    if length is None or length > EXPECT_CONTINUE_ABOVE:
        params["headers"]["Expect"] = "100-continue"


_session: boto3.session.Session | None = None
_session_lock = threading.Lock()


def _boto3_session() -> boto3.session.Session:
    """One session for our clients: its parser defaults are ours, not the process-wide
    default session's (which other code may use). Creating clients from one session is
    not thread-safe, hence the lock."""
    global _session
    with _session_lock:
        if _session is None:
            core = botocore.session.get_session()
            core.get_component("response_parser_factory").set_parser_defaults(
                timestamp_parser=parse_timestamp_fast)
            _session = boto3.session.Session(botocore_session=core)
        return _session


def make_client(endpoint_url: str | None, region_name: str | None, access_key_id: str | None,
                secret_access_key: str | None, config: Config):
    session = _boto3_session()
    with _session_lock:
        client = session.client("s3", endpoint_url=endpoint_url, region_name=region_name,
                                aws_access_key_id=access_key_id,
                                aws_secret_access_key=secret_access_key, config=config)
    # This client's handlers only: the session (and other clients) keep botocore's.
    events = client.meta.events
    events.unregister("before-call.s3", botocore.handlers.add_expect_header)
    events.register("before-call.s3", expect_continue_for_large_bodies)
    return client
