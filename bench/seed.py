"""Direct inserts: one user with 10,000 images, a few small users, and delete fodder.

Rows go straight into the database (no storage objects): listing and deleting never
read the objects, and confirm gets its own real uploads (see scenarios.py).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from blurhash.blurhash import base83_encode
from sqlalchemy import create_engine, insert, text, update

from imghost.models import Image, User
from imghost.services.auth import hash_password
from imghost.services.slugs import new_slug
from imghost.settings import Settings

PASSWORD = "bench-password-123"
BIG_USER_IMAGES = 10_000
SMALL_USERS = 3
SMALL_USER_IMAGES = 5
BATCH = 2_000
# A real blurhash (4x3 components) whose average colour each row changes: every row's
# differs, as in a real library, so the gallery's preview cache is no help.
BLURHASH = "LVHLl1t7~qxut7fQofj[~qofofof"


def _blurhash(n: int) -> str:
    return BLURHASH[:2] + base83_encode((n * 2654435761) % 0xFFFFFF, 4) + BLURHASH[6:]


@dataclass(frozen=True)
class SeededUser:
    id: int
    username: str
    images: int


def _image_rows(user_id: int, count: int, site_url: str, start: datetime) -> list[dict]:
    rows = []
    for n in range(count):
        stem = f"{user_id}/{uuid.uuid4().hex}"
        key = f"{stem}.jpg"
        rows.append({
            "user_id": user_id, "filename": f"photo-{n:05d}.jpg", "r2_key": key,
            "content_type": "image/jpeg", "size_bytes": 180_000 + n,
            "public_url": f"{site_url}/api/files/{key}", "width": 1600, "height": 1200,
            # Realistic rows carry derivatives, so a listing builds all three URLs.
            "thumbnail_key": f"{stem}_thumb.webp", "display_key": f"{stem}_display.webp",
            "placeholder": "#7a6f5c", "blurhash": _blurhash(n),
            "created_at": start + timedelta(seconds=n), "slug": new_slug(),
        })
    return rows


def seed(database_url: str, site_url: str, fodder_images: int) -> dict[str, SeededUser]:
    """Create the bench users and their rows; returns them by role."""
    engine = create_engine(database_url)
    # One hash for every bench user: bcrypt at the server's cost is slow on purpose.
    password_hash = hash_password(PASSWORD, Settings.model_fields["bcrypt_rounds"].default)
    start = datetime.now(UTC) - timedelta(days=30)
    # The big user is seeded last, as the most recent uploader: its newest images are
    # also the table's newest rows, as for whoever is active right now.
    plan = {"fodder": fodder_images, "uploader": 0, "gallery": 0}
    plan.update({f"small{n}": SMALL_USER_IMAGES for n in range(SMALL_USERS)})
    plan["big"] = BIG_USER_IMAGES
    suffix = uuid.uuid4().hex[:6]
    users: dict[str, SeededUser] = {}
    with engine.begin() as connection:
        for role, count in plan.items():
            username = f"bench_{role}_{suffix}"
            user_id = connection.execute(insert(User.__table__).values(
                username=username, email=f"{username}@example.com",
                password_hash=password_hash, image_count=0, bytes_stored=0,
                created_at=start,
            ).returning(User.__table__.c.id)).scalar_one()
            rows = _image_rows(user_id, count, site_url, start)
            for first in range(0, len(rows), BATCH):
                connection.execute(insert(Image.__table__), rows[first:first + BATCH])
            connection.execute(update(User.__table__).where(User.__table__.c.id == user_id)
                               .values(image_count=count,
                                       bytes_stored=sum(r["size_bytes"] for r in rows)))
            users[role] = SeededUser(user_id, username, count)
    # Fresh planner statistics, as autovacuum's autoanalyze would have gathered a minute
    # after a bulk insert: with none, PostgreSQL guessed 7 rows for the big user and
    # bitmap-scanned all 10,000 to sort them (3.3 ms a page instead of an index walk).
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))
    engine.dispose()
    return users
