"""Export one user's images and their metadata into a folder or a zip file.

The layout is the same either way, so an export can be unpacked and read by anyone:

    metadata.json            the user and every image's recorded metadata
    images/<id>-<name>.<ext> the original bytes as stored
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, select

from imghost.errors import Invalid, NotFound
from imghost.models import Image, User
from imghost.services.context import Context

FORMAT_VERSION = 1
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class ExportResult:
    path: Path
    images: int
    bytes: int


def find_user(session: Session, who: str) -> User:
    """A user by id, username (case-insensitive) or email."""
    if who.isdigit():
        user = session.get(User, int(who))
    elif "@" in who:
        user = session.exec(select(User).where(User.email == who.lower())).first()
    else:
        user = session.exec(select(User).where(func.lower(User.username) == who.lower())).first()
    if user is None:
        raise NotFound(f"No user {who!r}.", code="user_not_found")
    return user


def _archive_name(image: Image) -> str:
    stem = _UNSAFE.sub("_", image.filename.rsplit(".", 1)[0]).strip("._")[:80] or "image"
    extension = image.r2_key.rsplit(".", 1)[-1]
    return f"images/{image.id}-{stem}.{extension}"


def _images(session: Session, user_id: int) -> Iterator[Image]:
    last = 0
    while True:
        batch = list(session.exec(select(Image).where(Image.user_id == user_id, Image.id > last)
                                  .order_by(Image.id).limit(200)))
        if not batch:
            return
        yield from batch
        last = batch[-1].id


def _metadata(user: User, entries: list[dict]) -> bytes:
    document = {
        "format": "imghost-export", "version": FORMAT_VERSION,
        "user": {"id": user.id, "username": user.username, "email": user.email,
                 "created_at": user.created_at.isoformat()},
        "images": entries,
    }
    return json.dumps(document, indent=2, ensure_ascii=False).encode()


def export_user(ctx: Context, who: str, destination: Path) -> ExportResult:
    """Write the export to destination: a folder, or a zip when the name ends in .zip."""
    session, storage = ctx.session, ctx.storage
    user = find_user(session, who)
    as_zip = destination.suffix.lower() == ".zip"
    if destination.exists() and (as_zip or any(destination.iterdir())):
        raise Invalid(f"{destination} already exists; choose a new path.", code="destination_exists")
    destination.parent.mkdir(parents=True, exist_ok=True)
    archive = zipfile.ZipFile(destination, "w", zipfile.ZIP_STORED) if as_zip else None
    entries: list[dict] = []
    total = 0

    def write(name: str, data: bytes) -> None:
        if archive is not None:
            archive.writestr(name, data)
        else:
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)

    try:
        for image in _images(session, user.id):
            name = _archive_name(image)
            # Images are already compressed: storing them in the zip as-is is faster
            # and no bigger.
            data = storage.read(image.r2_key)
            write(name, data)
            total += len(data)
            entries.append({
                "id": image.id, "file": name, "filename": image.filename, "r2_key": image.r2_key,
                "content_type": image.content_type, "size_bytes": image.size_bytes,
                "width": image.width, "height": image.height,
                "public_url": storage.public_url(image.r2_key),
                "created_at": image.created_at.isoformat(),
            })
        write("metadata.json", _metadata(user, entries))
    finally:
        if archive is not None:
            archive.close()
    return ExportResult(path=destination, images=len(entries), bytes=total)
