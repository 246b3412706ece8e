"""One object's GET, PUT, server-side copy and DELETE on S3/R2 without boto3
(SignedS3Storage: boto3 for everything else).

These are what every confirm and thumbnail does (read the upload, copy it to the
image's key, drop the staging object; read the original, store the thumbnail). Through
boto3 each cost ~1.5-2 ms of CPU in its request model, event hooks, endpoint rules
and response parsers; here a request is signed (presign.SigV4Presigner.sign, tested
against botocore's signer) and sent on a kept-alive http.client connection.

As the boto3 client is configured (storage/s3.py): 5 s to connect, 30 s to read, and
one retry after a connection error or a 5xx/429 answer (at once when a kept-alive
connection turned out closed, else after up to a second).
"""

from __future__ import annotations

import os
import random
import re
import ssl
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message
from http.client import HTTPConnection, HTTPException, HTTPSConnection
from urllib.parse import quote, urlsplit
from urllib.request import getproxies, proxy_bypass

from imghost.errors import NotFound, Unavailable
from imghost.services.storage.base import (
    ObjectChanged,
    SizeDiffers,
    UploadedObject,
    cache_control,
)
from imghost.services.storage.presign import SigV4Presigner, supported
from imghost.services.storage.s3 import S3Storage
from imghost.settings import Settings

CONNECT_TIMEOUT_S = 5
READ_TIMEOUT_S = 30
RETRY_STATUSES = {429, 500, 502, 503, 504}
# Connections kept open between requests (one per thread that is busy with storage).
MAX_IDLE = 8
_ERROR_CODE = re.compile(rb"<Code>([^<]{1,100})</Code>")


class StorageUnreachable(Exception):
    """No answer from the store, even after the retry."""


@dataclass(frozen=True)
class Reply:
    status: int
    headers: Message
    # None when the caller's expected length differed (the body was not read).
    data: bytes | None

    def error_code(self) -> str:
        found = _ERROR_CODE.search(self.data or b"")
        return found.group(1).decode(errors="replace") if found else ""


def usable(endpoint: str) -> bool:
    """Plain path-style requests reach the store: no path prefix and no proxy to go
    through (boto3 handles those)."""
    if not supported(endpoint):
        return False
    parts = urlsplit(endpoint)
    return parts.scheme not in getproxies() or bool(proxy_bypass(parts.hostname or ""))


class S3Http:
    def __init__(self, signer: SigV4Presigner, endpoint: str):
        parts = urlsplit(endpoint)
        self._signer = signer
        self._https = parts.scheme == "https"
        self._address = (parts.hostname or "", parts.port or (443 if self._https else 80))
        # boto3 verifies against AWS_CA_BUNDLE when it is set; so do we.
        self._tls = (ssl.create_default_context(cafile=os.environ.get("AWS_CA_BUNDLE") or None)
                     if self._https else None)
        self._idle: list[HTTPConnection] = []
        self._lock = threading.Lock()

    def request(self, method: str, key: str, headers: dict[str, str] | None = None,
                body: bytes = b"", *, expect_length: int | None = None,
                error_in_body: bool = False) -> Reply:
        """Send one signed request (lower-case header names). expect_length: a 2xx
        answer of another Content-Length is not read (Reply.data None). error_in_body:
        S3 may answer a copy 200 with an <Error> document; that counts as its code."""
        for attempt in (1, 2):
            connection, reused = None, False
            try:
                connection, reused = self._checkout()
                signed = self._signer.sign(method, key, datetime.now(UTC), headers or {}, body)
                connection.request(method, self._signer.path(key), body or None, signed)
                response = connection.getresponse()
                if expect_length is not None and 200 <= response.status < 300 \
                        and response.length != expect_length:
                    connection.close()  # the body is left unread
                    return Reply(response.status, response.headers, None)
                data = response.read()
            except (OSError, HTTPException) as error:
                if connection is not None:
                    connection.close()
                if attempt == 2:
                    raise StorageUnreachable(f"{type(error).__name__}: {error}") from error
                if not reused:  # a kept-alive connection the store closed: retry at once
                    time.sleep(random.random())
                continue
            if response.will_close:
                connection.close()
            else:
                self._checkin(connection)
            status = response.status
            if error_in_body and status == 200 and b"<Error>" in data[:512]:
                status = 412 if b"<Code>PreconditionFailed</Code>" in data else 500
            if status in RETRY_STATUSES and attempt == 1:
                time.sleep(random.random())
                continue
            return Reply(status, response.headers, data)
        raise AssertionError("unreachable")  # pragma: no cover

    def _checkout(self) -> tuple[HTTPConnection, bool]:
        with self._lock:
            if self._idle:
                return self._idle.pop(), True
        host, port = self._address
        if self._tls is not None:
            connection = HTTPSConnection(host, port, timeout=CONNECT_TIMEOUT_S,
                                         context=self._tls)
        else:
            connection = HTTPConnection(host, port, timeout=CONNECT_TIMEOUT_S)
        connection.connect()
        connection.sock.settimeout(READ_TIMEOUT_S)
        return connection, False

    def _checkin(self, connection: HTTPConnection) -> None:
        with self._lock:
            if len(self._idle) < MAX_IDLE:
                self._idle.append(connection)
                return
        connection.close()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()


class ErrorReply(Exception):
    """What the store answered, kept as the cause of the error raised for it."""


class SignedS3Storage(S3Storage):
    """S3Storage whose single-object calls go through S3Http; the same answers and
    errors as its boto3 methods (missing: NotFound or None, refused or 5xx:
    Unavailable, a copy whose source changed: ObjectChanged)."""

    def __init__(self, settings: Settings):
        super().__init__(settings)
        self.http = S3Http(self.presigner, settings.s3_endpoint)

    def _send(self, method: str, key: str, headers: dict[str, str] | None = None,
              body: bytes = b"", **options) -> Reply:
        try:
            return self.http.request(method, key, headers, body, **options)
        except StorageUnreachable as error:
            raise Unavailable("Storage is unreachable.", code="storage_unavailable") from error

    def _object_headers(self, content_type: str) -> dict[str, str]:
        # Served as an inline image whatever the uploader's PUT said.
        return {"content-type": content_type, "content-disposition": "inline",
                "cache-control": cache_control(self.settings)}

    def read_upload(self, upload_key: str, size: int) -> UploadedObject | None:
        reply = self._send("GET", upload_key, expect_length=size)
        if reply.status == 404:
            return None
        _succeeded(reply)
        if reply.data is None:
            raise SizeDiffers(int(reply.headers.get("Content-Length") or -1))
        return UploadedObject(key=upload_key, data=reply.data, etag=reply.headers.get("ETag"))

    def read(self, key: str) -> bytes:
        reply = self._send("GET", key)
        _succeeded(reply)
        return reply.data

    def put(self, key: str, data: bytes, content_type: str) -> None:
        _succeeded(self._send("PUT", key, self._object_headers(content_type), data))

    def publish(self, upload: UploadedObject, key: str, content_type: str,
                rewritten: bytes | None) -> None:
        if rewritten is not None or not upload.etag:
            # Without an ETag to pin the copy to, send the bytes that were checked.
            self.put(key, upload.data if rewritten is None else rewritten, content_type)
            return
        # If-Match on the ETag confirm read: a PUT to the staging key since then
        # (the presigned URL still works) makes the copy fail instead of publishing
        # bytes nobody checked.
        reply = self._send("PUT", key, {
            **self._object_headers(content_type),
            "x-amz-copy-source": quote(f"{self.bucket}/{upload.key}", safe="/~"),
            "x-amz-copy-source-if-match": upload.etag,
            "x-amz-metadata-directive": "REPLACE"}, error_in_body=True)
        if reply.status == 412:
            raise ObjectChanged(upload.key)
        _succeeded(reply)

    def delete(self, key: str) -> None:
        _succeeded(self._send("DELETE", key))


def _succeeded(reply: Reply) -> None:
    """As storage/s3._storage_errors: refusals and faults are Unavailable, the rest missing."""
    if 200 <= reply.status < 300:
        return
    cause = ErrorReply(f"HTTP {reply.status} {reply.error_code()}".strip())
    if reply.status >= 500 or reply.status in (401, 403):
        raise Unavailable("Storage refused the request.", code="storage_unavailable") from cause
    raise NotFound("The stored object is missing.", code="object_missing") from cause
