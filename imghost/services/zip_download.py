"""A selection downloaded as one zip: a short-lived signed link, then a streamed archive.

The link carries its own proof (HMAC of the user, the ids and the expiry, with a key
of its own derived from the site's secret), so a browser can follow it like any
download: no bearer header, nothing stored server-side. The archive is streamed
(zipstream-ng) one stored object at a time, never built in memory; the pictures are
compressed already, so entries are stored as they are.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from zipstream import ZipStream

from imghost.errors import NotFound, TooLarge
from imghost.models import User
from imghost.services import credentials
from imghost.services.bulk import checked_ids, owned_rows
from imghost.services.context import Context
from imghost.services.storage import Storage

LINK_PURPOSE = b"imghost zip link v1"
GONE = "This download link is invalid or has expired; select the images again."


@dataclass(frozen=True)
class ZipLink:
    url: str
    expires_at: datetime
    count: int
    size_bytes: int


@dataclass(frozen=True)
class ZipEntry:
    name: str
    key: str


@dataclass(frozen=True)
class ZipDownload:
    filename: str
    entries: list[ZipEntry]

    def chunks(self, storage: Storage) -> Iterator[bytes]:
        archive = ZipStream(sized=False)
        for entry in self.entries:
            archive.add(_object_bytes(storage, entry.key), entry.name)
        yield from archive


def _object_bytes(storage: Storage, key: str) -> Iterator[bytes]:
    # A generator: nothing is read until the archive reaches this entry.
    yield storage.read(key)


def _link_key(ctx: Context) -> bytes:
    return hmac.new(ctx.settings.signing_secret.encode(), LINK_PURPOSE, hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(ctx: Context, claims: dict) -> str:
    # Sorted ids as gaps compress well: 1,000 ids make a link of a few hundred bytes.
    payload = _b64(zlib.compress(json.dumps(claims, separators=(",", ":")).encode(), 9))
    signature = hmac.new(_link_key(ctx), payload.encode(), hashlib.sha256).digest()[:24]
    return f"{payload}.{_b64(signature)}"


def _verify(ctx: Context, token: str) -> dict:
    try:
        payload, signature = token.split(".")
        expected = hmac.new(_link_key(ctx), payload.encode(), hashlib.sha256).digest()[:24]
        if not hmac.compare_digest(_unb64(signature), expected):
            raise ValueError
        claims = json.loads(zlib.decompress(_unb64(payload)))
        if claims["exp"] < ctx.clock().timestamp():
            raise ValueError
        return claims
    except (ValueError, KeyError, TypeError, zlib.error):
        raise NotFound(GONE, code="zip_link_invalid") from None


def _unique_names(rows) -> list[str]:
    """Filenames as uploaded; a repeated one gets " (2)", " (3)" before its extension."""
    seen: dict[str, int] = {}
    names = []
    for row in rows:
        name = row.filename
        count = seen.get(name.lower(), 0) + 1
        seen[name.lower()] = count
        if count > 1:
            stem, dot, extension = name.rpartition(".")
            name = f"{stem} ({count}).{extension}" if dot and stem else f"{name} ({count})"
        names.append(name)
    return names


@credentials.requires("images:read")
def grant_zip(ctx: Context, user: User, ids: list[int]) -> ZipLink:
    """A link to the caller's images as one zip; 404 if any is not theirs (or gone),
    413 past the zip size limit."""
    ids = checked_ids(ctx, ids)
    rows = owned_rows(ctx, user, ids)
    if len(rows) != len(ids):
        raise NotFound("Some of the selected images are gone or not yours.",
                       code="image_not_found")
    size = sum(row.size_bytes for row in rows)
    limit = ctx.settings.zip_max_bytes
    if size > limit:
        raise TooLarge(f"The selection holds {size} bytes; a zip can hold {limit} at most.",
                       code="zip_too_large",
                       errors=[{"field": "ids", "message": "Select fewer or smaller images."}])
    expires_at = ctx.clock() + timedelta(seconds=ctx.settings.zip_link_ttl_seconds)
    deltas = [b - a for a, b in zip([0, *sorted(ids)], sorted(ids), strict=False)]
    token = _sign(ctx, {"u": user.id, "d": deltas, "exp": int(expires_at.timestamp())})
    ctx.audit("zip link granted", user_id=user.id, count=len(ids), size_bytes=size)
    return ZipLink(url=f"{ctx.settings.site_url}/api/images/zip/{token}",
                   expires_at=expires_at, count=len(ids), size_bytes=size)


def open_zip(ctx: Context, token: str) -> ZipDownload:
    """What a valid link downloads: the images its user still owns, oldest first."""
    claims = _verify(ctx, token)
    ids, total = [], 0
    for delta in claims["d"]:
        total += int(delta)
        ids.append(total)
    user = ctx.session.get(User, int(claims["u"]))
    rows = owned_rows(ctx, user, ids) if user is not None else []
    if not rows:
        raise NotFound(GONE, code="zip_link_invalid")
    stamp = ctx.clock().strftime("%Y%m%d-%H%M%S")
    return ZipDownload(filename=f"imghost-{stamp}-{len(rows)}-images.zip",
                       entries=[ZipEntry(name, row.r2_key)
                                for name, row in zip(_unique_names(rows), rows, strict=True)])
