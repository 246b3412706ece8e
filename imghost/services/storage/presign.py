"""SigV4 signing, byte-identical to botocore's: presigned URLs (generate_presigned_url)
and signed request headers (what boto3 sends with each call).

boto3 walks its request model, event hooks and endpoint rules for every URL and call
(BENCHMARKS.md has what that cost); the signature itself is a SHA-256 and one HMAC
with a signing key that only changes once a day. tests/unit/test_presign.py checks
the output against boto3's for the same instant, PUT (signed Content-Type and
Content-Length) and GET, with and without ports and regions. Only what imghost signs
is supported: path-style URLs, static credentials; URLs carry an unsigned payload,
signed requests the payload's SHA-256.
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

    def _signature(self, timestamp: str, scope: str, canonical_request: str) -> str:
        string_to_sign = "\n".join((ALGORITHM, timestamp, scope,
                                    hashlib.sha256(canonical_request.encode()).hexdigest()))
        return hmac.new(self._signing_key(timestamp[:8]), string_to_sign.encode(),
                        hashlib.sha256).hexdigest()

    def _scope(self, timestamp: str) -> str:
        return f"{timestamp[:8]}/{self.region}/{self.service}/aws4_request"

    def path(self, key: str) -> str:
        return quote(f"/{self.bucket}/{key}", safe="/~")

    def presign(self, method: str, key: str, expires_in: int, now: datetime,
                headers: dict[str, str] | None = None) -> str:
        """The presigned URL for `method` on `key`; `headers` (lower-case names) are signed."""
        timestamp = now.strftime("%Y%m%dT%H%M%SZ")
        scope = self._scope(timestamp)
        signed = {**(headers or {}), "host": self._host}
        names = sorted(signed)
        signed_headers = ";".join(names)
        query = (f"X-Amz-Algorithm={ALGORITHM}"
                 f"&X-Amz-Credential={_quote(f'{self.access_key}/{scope}')}"
                 f"&X-Amz-Date={timestamp}&X-Amz-Expires={expires_in}"
                 f"&X-Amz-SignedHeaders={_quote(signed_headers)}")
        path = self.path(key)
        canonical_request = "\n".join((method, path, query, _canonical(signed, names),
                                       signed_headers, "UNSIGNED-PAYLOAD"))
        signature = self._signature(timestamp, scope, canonical_request)
        return f"{self.base_url}{path}?{query}&X-Amz-Signature={signature}"

    def sign(self, method: str, key: str, now: datetime, headers: dict[str, str],
             body: bytes = b"") -> dict[str, str]:
        """The headers of a request for `method` on `key` (path self.path(key), no query)
        signed in the Authorization header: `headers` (lower-case names) plus host,
        x-amz-date, x-amz-content-sha256 and authorization."""
        timestamp = now.strftime("%Y%m%dT%H%M%SZ")
        scope = self._scope(timestamp)
        signed = {**headers, "host": self._host, "x-amz-date": timestamp,
                  "x-amz-content-sha256": hashlib.sha256(body).hexdigest()}
        names = sorted(signed)
        signed_headers = ";".join(names)
        canonical_request = "\n".join((method, self.path(key), "", _canonical(signed, names),
                                       signed_headers, signed["x-amz-content-sha256"]))
        signed["authorization"] = (
            f"{ALGORITHM} Credential={self.access_key}/{scope}, "
            f"SignedHeaders={signed_headers}, "
            f"Signature={self._signature(timestamp, scope, canonical_request)}")
        return signed


def _canonical(headers: dict[str, str], names: list[str]) -> str:
    return "".join(f"{name}:{' '.join(str(headers[name]).split())}\n" for name in names)
