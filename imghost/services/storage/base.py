"""The storage interface and its types; the backends and the services depend on this."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import BinaryIO, Protocol

from imghost.errors import Invalid
from imghost.settings import Settings

# {user_id}/{32 hex}.{ext}, optionally with a derivative suffix (thumbnails);
# nothing else ever becomes a key, so nothing else can become a path.
KEY_PATTERN = re.compile(r"^[0-9]{1,12}/[0-9a-f]{32}(?:_[a-z0-9]{1,16})?\.(?:jpg|png|gif|webp|avif|heic)$")


def validate_key(key: str) -> str:
    if not KEY_PATTERN.fullmatch(key):
        raise Invalid("That storage key is not one imghost issues.", code="invalid_key")
    return key


@dataclass(frozen=True)
class PresignedPut:
    """What a client needs to PUT one object straight to storage."""

    url: str
    expires_at: datetime
    headers: dict[str, str] = field(default_factory=dict)
    method: str = "PUT"


@dataclass(frozen=True)
class StoredObject:
    size: int
    content_type: str


@dataclass(frozen=True)
class ListedObject:
    key: str
    modified: datetime  # timezone-aware


@dataclass(frozen=True)
class UploadedObject:
    """The bytes a client uploaded, as confirm read them to check them."""

    key: str  # where the client's PUT landed (storage.upload_key)
    data: bytes = field(repr=False)
    etag: str | None = None  # S3/R2: a copy must be of exactly these bytes


class ObjectChanged(Exception):
    """The uploaded object was replaced while confirm was checking it."""


class SizeDiffers(Exception):
    """The uploaded object holds another number of bytes than expected (its body unread)."""

    def __init__(self, size: int):
        super().__init__(size)
        self.size = size


def cache_control(settings: Settings) -> str:
    """Stored images: the bytes under a key never change, but the image can be
    deleted, so caches keep it for a bounded time (never `immutable`)."""
    return f"public, max-age={settings.file_cache_seconds}"


class Storage(Protocol):
    kind: str
    settings: Settings  # public URLs and page URLs are built from site_url

    def upload_key(self, key: str) -> str:
        """Where a client's PUT for the image `key` lands (S3/R2: a staging key)."""

    def presign_put(self, key: str, content_type: str, size: int) -> PresignedPut: ...

    def read_upload(self, upload_key: str, size: int) -> UploadedObject | None:
        """The uploaded bytes in one read: None when nothing is stored there yet,
        SizeDiffers (before any of the body is read) when it holds not exactly `size`."""

    def publish(self, upload: UploadedObject, key: str, content_type: str,
                rewritten: bytes | None) -> None:
        """Make `key` hold the checked bytes: `rewritten` when confirm changed them
        (metadata stripped), else exactly `upload`'s bytes. Raises ObjectChanged when
        the upload was replaced after it was read."""

    def head(self, key: str) -> StoredObject | None: ...

    def read_prefix(self, key: str, n: int) -> bytes: ...

    def read(self, key: str) -> bytes: ...

    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def put_file(self, key: str, file: BinaryIO, content_type: str, size: int) -> None:
        """Store `size` bytes read from `file` in chunks (never all in memory)."""

    def delete(self, key: str) -> None: ...

    def delete_soon(self, key: str) -> None:
        """Delete key within a second or so, batched with others, off the caller's
        thread; a failure is logged, never raised (for keys nothing reads again)."""

    def delete_many(self, keys: list[str]) -> None:
        """Delete every key (missing ones are fine) in as few requests as the store
        allows; raise Unavailable if any could not be deleted."""

    def list_objects(self, page_size: int = 1000) -> Iterator[ListedObject]:
        """Every stored object, fetched page by page as the caller iterates (a bucket of
        millions never sits in memory), in no promised order."""

    def public_url(self, key: str) -> str:
        """public_url_prefix() + key."""

    def public_url_prefix(self) -> str:
        """What every public URL starts with (a list page joins its 150 URLs with it)."""

    def check(self) -> None:
        """Raise Unavailable when the store cannot be reached."""

    def close(self) -> None:
        """Finish what delete_soon still holds (the runtime's shutdown)."""

    def prepare(self) -> None:
        """Build what requests to the store need, without a request (a start runs this
        in a thread while it checks the database)."""


def app_file_url(settings: Settings, key: str) -> str:
    """The app-served address of an object (GET /api/files/{key})."""
    return f"{settings.site_url}/api/files/{key}"
