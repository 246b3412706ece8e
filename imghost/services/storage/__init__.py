"""Object storage behind one interface: S3/R2 (boto3) or local disk (embedded default).

The interface and its types live in base.py; this module only picks a backend.
"""

from __future__ import annotations

from imghost.services.storage.base import (
    KEY_PATTERN,
    PresignedPut,
    Storage,
    StoredObject,
    app_file_url,
    validate_key,
)
from imghost.settings import Settings

__all__ = ["KEY_PATTERN", "PresignedPut", "Storage", "StoredObject", "app_file_url",
           "make_storage", "validate_key"]


def make_storage(settings: Settings) -> Storage:
    if settings.storage == "s3":
        from imghost.services.storage.s3 import S3Storage

        return S3Storage(settings)
    from imghost.services.storage.local import LocalStorage

    return LocalStorage(settings)
