"""In-process helpers for action tests: accounts and uploads without HTTP."""

from __future__ import annotations

import uuid

from imghost.models import User
from imghost.runtime import Runtime
from imghost.services import accounts, uploads
from tests.support.api_client import PASSWORD
from tests.support.images import png


def unique_name(prefix: str = "user") -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def new_user(runtime: Runtime, prefix: str = "user") -> User:
    name = unique_name(prefix)
    return runtime.call(accounts.create_user, name, f"{name}@example.com", PASSWORD)


def start_and_store(runtime: Runtime, user: User, data: bytes, content_type: str = "image/png",
                    filename: str = "picture.png",
                    expires_in: int | None = None) -> uploads.ImageGrant:
    """Grant an upload and put the bytes where the client would have PUT them
    (on S3/R2 a staging key, not the image's)."""
    grant = runtime.call(uploads.start, user, filename, content_type, len(data), expires_in)
    runtime.storage.put(runtime.storage.upload_key(grant.r2_key), data, content_type)
    return grant


def upload(runtime: Runtime, user: User, data: bytes | None = None,
           content_type: str = "image/png", filename: str = "picture.png",
           expires_in: int | None = None) -> uploads.Finished:
    data = png() if data is None else data
    grant = start_and_store(runtime, user, data, content_type, filename, expires_in)
    return runtime.call(uploads.finish, user, grant.r2_key, filename, len(data), content_type)


def log_in(runtime: Runtime, user: User, user_agent: str = "pytest") -> str:
    """A login token (a new session) for the user, always from the same address of the
    user's own: only a user's first login from a new network counts against its account."""
    address = f"198.18.{user.id // 250 % 250}.{user.id % 250}"
    return runtime.call(accounts.log_in, user.username, PASSWORD, address, user_agent).token
