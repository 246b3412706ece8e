"""SigV4 query-string presigning, byte-identical to botocore's generate_presigned_url.

boto3's presigner walks its request model, event hooks and endpoint rules for every
URL (BENCHMARKS.md has what that cost); the signature itself is a SHA-256 and one
HMAC with a signing key that only changes once a day. tests/unit/test_presign.py
checks the output against boto3's for the same instant, PUT (signed Content-Type and
Content-Length) and GET, with and without ports and regions. Only what imghost signs
is supported: path-style URLs, static credentials, an unsigned payload.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from urllib.parse import quote, urlsplit

ALGORITHM = "AWS4-HMAC-SHA256"
DEFAULT_PORTS = {"http": 80, "https": 443}


def _host_header(endpoint: str) -> str:
    """What botocore signs as Host: the endpoint's host, with its port unless default."""
    parts = urlsplit(endpoint)
    host = parts.hostname or ""
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    if parts.port and parts.port != DEFAULT_PORTS.get(parts.scheme):
        host = f"{host}:{parts.port}"
    return host


def _quote(value: str) -> str:
    return quote(value, safe="-_.~")


def supported(endpoint: str) -> bool:
    """botocore also signs an endpoint's own path prefix; we only do bare hosts."""
    return urlsplit(endpoint).path in ("", "/")


class SigV4Presigner:
    def __init__(self, endpoint: str, bucket: str, region: str, access_key: str,
                 secret_key: str, service: str = "s3"):
        self.base_url = endpoint.rstrip("/")
        self.bucket = bucket
        self.region = region
        self.service = service
        self.access_key = access_key
        self._secret = secret_key.encode()
        self._host = _host_header(endpoint)
        self._day_key: tuple[str, bytes] | None = None

    def _signing_key(self, day: str) -> bytes:
        cached = self._day_key
        if cached is not None and cached[0] == day:
            return cached[1]
        key = hmac.new(b"AWS4" + self._secret, day.encode(), hashlib.sha256).digest()
        for part in (self.region, self.service, "aws4_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        self._day_key = (day, key)
        return key

    def presign(self, method: str, key: str, expires_in: int, now: datetime,
                headers: dict[str, str] | None = None) -> str:
        """The presigned URL for `method` on `key`; `headers` (lower-case names) are signed."""
        timestamp = now.strftime("%Y%m%dT%H%M%SZ")
        day = timestamp[:8]
        scope = f"{day}/{self.region}/{self.service}/aws4_request"
        signed = {**(headers or {}), "host": self._host}
        names = sorted(signed)
        signed_headers = ";".join(names)
        query = (f"X-Amz-Algorithm={ALGORITHM}"
                 f"&X-Amz-Credential={_quote(f'{self.access_key}/{scope}')}"
                 f"&X-Amz-Date={timestamp}&X-Amz-Expires={expires_in}"
                 f"&X-Amz-SignedHeaders={_quote(signed_headers)}")
        path = quote(f"/{self.bucket}/{key}", safe="/~")
        canonical_headers = "".join(f"{name}:{' '.join(str(signed[name]).split())}\n"
                                    for name in names)
        canonical_request = "\n".join((method, path, query, canonical_headers, signed_headers,
                                       "UNSIGNED-PAYLOAD"))
        string_to_sign = "\n".join((ALGORITHM, timestamp, scope,
                                    hashlib.sha256(canonical_request.encode()).hexdigest()))
        signature = hmac.new(self._signing_key(day), string_to_sign.encode(),
                             hashlib.sha256).hexdigest()
        return f"{self.base_url}{path}?{query}&X-Amz-Signature={signature}"
