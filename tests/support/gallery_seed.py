"""A big library in seconds: image rows inserted straight into the database.

The rows borrow the stored objects (original, thumbnail, display size, blurhash) of a
few real uploads, so every tile shows a real picture; listing and the gallery never
read an object by its own key. Deleting a borrowed row would delete the objects its
template shares: tests delete only real uploads.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine

from imghost.models import Image, User
from imghost.services.slugs import new_slug


def seed_images(engine: Engine, user_id: int, count: int, name: str = "photo-{n:05d}.jpg",
                start: datetime | None = None) -> None:
    """count rows for the user, named by `name`, one second apart, the newest last,
    cycling through the user's existing images as templates."""
    table = Image.__table__
    start = start or datetime.now(UTC) - timedelta(days=3)
    with engine.begin() as connection:
        templates = connection.execute(select(table).where(table.c.user_id == user_id)
                                       .order_by(table.c.id)).all()
        if not templates:
            raise ValueError("upload at least one real image first")
        rows = []
        for n in range(count):
            template = templates[n % len(templates)]._mapping
            key = f"{user_id}/{uuid.uuid4().hex}.jpg"
            rows.append({**{k: v for k, v in template.items() if k != "id"},
                         "filename": name.format(n=n), "r2_key": key,
                         # The large view shows the template's own picture.
                         "display_key": template["display_key"] or template["r2_key"],
                         "size_bytes": 100_000 + n, "slug": new_slug(),
                         "created_at": start + timedelta(seconds=n)})
        for first in range(0, len(rows), 2000):
            connection.execute(insert(table), rows[first:first + 2000])
        connection.execute(update(User.__table__).where(User.__table__.c.id == user_id).values(
            image_count=User.__table__.c.image_count + count,
            bytes_stored=User.__table__.c.bytes_stored + sum(r["size_bytes"] for r in rows)))
