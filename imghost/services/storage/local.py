"""Embedded default storage: files under DATA_DIR/objects, uploads through signed app URLs.

The signed PUT URL behaves like an S3 presigned URL: it expires, and its signature
covers the key, the Content-Type and the exact Content-Length, so a body of another
type or size is refused before a byte is stored. Unlike S3, an upload lands at its
final key: a client's PUT never replaces an existing object (services/local_puts.py
also refuses a PUT whose grant is closed), so the bytes confirm checked stay final.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlencode

from imghost.errors import Forbidden, Invalid, NotFound
from imghost.services.image_types import BY_EXTENSION
from imghost.services.secret_compare import same_secret
from imghost.services.storage.base import (
    ListedObject,
    PresignedPut,
    SizeDiffers,
    StoredObject,
    UploadedObject,
    app_file_url,
    validate_key,
)
from imghost.settings import Settings

log = logging.getLogger("imghost.storage")

COPY_CHUNK_BYTES = 1024 * 1024


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

    @staticmethod
    def upload_key(key: str) -> str:
        return key  # only the app writes here, once per grant

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
        if not same_secret(signature, expected):
            raise Forbidden("The upload URL's signature does not match this request "
                            "(wrong content type, length or a modified URL).",
                            code="bad_signature")
        if expires_at < time.time():
            raise Forbidden("The upload URL has expired.", code="url_expired")

    def begin_write(self, key: str, size: int, *, replace: bool = True) -> ObjectWriter:
        """replace=False: the write fails (Forbidden) if the object exists when it completes."""
        return ObjectWriter(self.path(key), size, replace=replace)

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

    def read_upload(self, upload_key: str, size: int) -> UploadedObject | None:
        try:
            with self.path(upload_key).open("rb") as handle:
                stored = os.fstat(handle.fileno()).st_size
                if stored != size:
                    raise SizeDiffers(stored)
                return UploadedObject(key=upload_key, data=handle.read())
        except FileNotFoundError:
            return None

    def put(self, key: str, data: bytes, content_type: str) -> None:
        writer = self.begin_write(key, len(data))
        writer.write(data)
        writer.commit()

    def publish(self, upload: UploadedObject, key: str, content_type: str,
                rewritten: bytes | None) -> None:
        # The upload is at its final key already; only the app can change it.
        if rewritten is not None or upload.key != key:
            self.put(key, upload.data if rewritten is None else rewritten, content_type)

    def put_file(self, key: str, file: BinaryIO, content_type: str, size: int) -> None:
        writer = self.begin_write(key, size)
        try:
            while chunk := file.read(COPY_CHUNK_BYTES):
                writer.write(chunk)
            writer.commit()
        except BaseException:
            writer.abort()
            raise

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def delete_many(self, keys: list[str]) -> None:
        for key in keys:
            self.delete(key)

    def delete_soon(self, key: str) -> None:
        # An unlink costs no request: nothing to batch.
        try:
            self.delete(key)
        except OSError:
            log.warning("could not delete %s", key, exc_info=True)

    def list_objects(self, page_size: int = 1000) -> Iterator[ListedObject]:
        """Objects sit one directory deep ({user_id}/{name}); scandir reads each
        directory lazily, so only the entry at hand is in memory."""
        if not self.root.is_dir():
            return
        with os.scandir(self.root) as users:
            for user in users:
                if not user.is_dir(follow_symlinks=False):
                    continue
                with os.scandir(user.path) as files:
                    for entry in files:
                        if entry.is_file(follow_symlinks=False):
                            modified = datetime.fromtimestamp(entry.stat().st_mtime, UTC)
                            yield ListedObject(key=f"{user.name}/{entry.name}", modified=modified)

    def public_url(self, key: str) -> str:
        return self.public_url_prefix() + key

    def public_url_prefix(self) -> str:
        return app_file_url(self.settings, "")

    def check(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=self.root, prefix=".health-", delete=True)
        probe.close()

    def close(self) -> None:
        pass  # delete_soon deleted at once: nothing waits

    def prepare(self) -> None:
        pass  # files need nothing built

    @staticmethod
    def content_type(key: str) -> str:
        known = BY_EXTENSION.get(key.rsplit(".", 1)[-1])
        return known.content_type if known else "application/octet-stream"


class ObjectWriter:
    """Writes one object to a temporary file and renames it into place only when whole."""

    def __init__(self, path: Path, size: int, replace: bool = True):
        self.path = path
        self.size = size
        self.replace = replace
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
        if self.replace:
            os.replace(self._temp, self.path)
            return
        # link() fails if the name exists, atomically: of two PUTs racing for one
        # grant, or a PUT racing a confirm, only the first whole body is ever stored.
        try:
            os.link(self._temp, self.path)
        except FileExistsError:
            raise Forbidden("A file has already been uploaded with this URL; ask for a new "
                            "upload URL.", code="already_uploaded") from None
        finally:
            self._temp.unlink(missing_ok=True)

    def abort(self) -> None:
        if not self._handle.closed:
            self._handle.close()
        self._temp.unlink(missing_ok=True)
