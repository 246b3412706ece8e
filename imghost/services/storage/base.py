"""The storage interface and its types; the backends and the services depend on this."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

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


class Storage(Protocol):
    kind: str

    def presign_put(self, key: str, content_type: str, size: int) -> PresignedPut: ...

    def head(self, key: str) -> StoredObject | None: ...

    def read_prefix(self, key: str, n: int) -> bytes: ...

    def read(self, key: str) -> bytes: ...

    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def delete(self, key: str) -> None: ...

    def delete_many(self, keys: list[str]) -> None:
        """Delete every key (missing ones are fine) in as few requests as the store allows."""

    def public_url(self, key: str) -> str: ...

    def check(self) -> None:
        """Raise Unavailable when the store cannot be reached."""


def app_file_url(settings: Settings, key: str) -> str:
    """The app-served address of an object (GET /api/files/{key})."""
    return f"{settings.site_url}/api/files/{key}"
