"""Embedded default storage: files under DATA_DIR/objects, uploads through signed app URLs.

The signed PUT URL behaves like an S3 presigned URL: it expires, and its signature
covers the key, the Content-Type and the exact Content-Length, so a body of another
type or size is refused before a byte is stored.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

from imghost.errors import Forbidden, Invalid, NotFound
from imghost.services.image_types import BY_EXTENSION
from imghost.services.storage.base import PresignedPut, StoredObject, app_file_url, validate_key
from imghost.settings import Settings


class LocalStorage:
    kind = "local"

    def __init__(self, settings: Settings):
        self.settings = settings
        self.root = settings.objects_dir.resolve()
        self._key = hmac.new(settings.signing_secret.encode(), b"imghost-local-put", "sha256").digest()

    # -- signed upload URLs -------------------------------------------------

    def _signature(self, key: str, content_type: str, size: int, expires: int) -> str:
        message = f"PUT\n{key}\n{content_type}\n{size}\n{expires}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def presign_put(self, key: str, content_type: str, size: int) -> PresignedPut:
        expires = int(time.time()) + self.settings.upload_url_ttl_seconds
        query = urlencode({"expires": expires,
                           "signature": self._signature(key, content_type, size, expires)})
        return PresignedPut(
            url=f"{app_file_url(self.settings, key)}?{query}",
            expires_at=datetime.fromtimestamp(expires, UTC),
            headers={"Content-Type": content_type},
        )

    def verify_put(self, key: str, content_type: str, size: int | None,
                   expires: str, signature: str) -> None:
        """Refuse (Forbidden) a PUT whose URL, type or length is not the signed one."""
        validate_key(key)
        if size is None:
            raise Forbidden("The upload needs a Content-Length header.", code="length_required")
        try:
            expires_at = int(expires)
        except ValueError:
            raise Forbidden("The upload URL is malformed.", code="bad_signature") from None
        expected = self._signature(key, content_type, size, expires_at)
        if not hmac.compare_digest(expected, signature):
            raise Forbidden("The upload URL's signature does not match this request "
                            "(wrong content type, length or a modified URL).",
                            code="bad_signature")
        if expires_at < time.time():
            raise Forbidden("The upload URL has expired.", code="url_expired")

    def begin_write(self, key: str, size: int) -> ObjectWriter:
        return ObjectWriter(self.path(key), size)

    # -- objects ------------------------------------------------------------

    def path(self, key: str) -> Path:
        validate_key(key)
        path = (self.root / key).resolve()
        if self.root not in path.parents:
            raise Invalid("That storage key is not one imghost issues.", code="invalid_key")
        return path

    def head(self, key: str) -> StoredObject | None:
        path = self.path(key)
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            return None
        return StoredObject(size=size, content_type=self.content_type(key))

    def read_prefix(self, key: str, n: int) -> bytes:
        try:
            with self.path(key).open("rb") as handle:
                return handle.read(n)
        except FileNotFoundError:
            raise NotFound("The stored object is missing.", code="object_missing") from None

    def read(self, key: str) -> bytes:
        try:
            return self.path(key).read_bytes()
        except FileNotFoundError:
            raise NotFound("The stored object is missing.", code="object_missing") from None

    def put(self, key: str, data: bytes, content_type: str) -> None:
        writer = self.begin_write(key, len(data))
        writer.write(data)
        writer.commit()

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def delete_many(self, keys: list[str]) -> None:
        for key in keys:
            self.delete(key)

    def public_url(self, key: str) -> str:
        return app_file_url(self.settings, key)

    def check(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=self.root, prefix=".health-", delete=True)
        probe.close()

    @staticmethod
    def content_type(key: str) -> str:
        known = BY_EXTENSION.get(key.rsplit(".", 1)[-1])
        return known.content_type if known else "application/octet-stream"


class ObjectWriter:
    """Writes one object to a temporary file and renames it into place only when whole."""

    def __init__(self, path: Path, size: int):
        self.path = path
        self.size = size
        self.written = 0
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        self._temp = Path(temp_name)
        self._handle = os.fdopen(fd, "wb")

    def write(self, chunk: bytes) -> None:
        self.written += len(chunk)
        if self.written > self.size:
            self.abort()
            raise Forbidden("The body is longer than the signed Content-Length.",
                            code="length_mismatch")
        self._handle.write(chunk)

    def commit(self) -> None:
        if self.written != self.size:
            self.abort()
            raise Forbidden("The body is shorter than the signed Content-Length.",
                            code="length_mismatch")
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._handle.close()
        os.replace(self._temp, self.path)

    def abort(self) -> None:
        if not self._handle.closed:
            self._handle.close()
        self._temp.unlink(missing_ok=True)
