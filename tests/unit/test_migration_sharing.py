"""0004_sharing gives every existing image a slug (unique, random base62) and can be undone."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from alembic import command
from imghost.migrations import alembic_config
from imghost.services.slugs import looks_like_slug
from tests.support.postgres import throwaway_database


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrate.db'}"
    else:
        with throwaway_database() as url:
            yield url


def test_existing_images_get_unique_slugs(empty_database):
    config = alembic_config(empty_database)
    command.upgrade(config, "0002")
    engine = create_engine(empty_database)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO users (id, username, email, password_hash, image_count, bytes_stored,"
            " created_at) VALUES (1, 'old', 'old@example.com', 'x', 3, 30, CURRENT_TIMESTAMP)"))
        for n in range(3):
            connection.execute(text(
                "INSERT INTO images (user_id, filename, r2_key, content_type, size_bytes,"
                " public_url, created_at) VALUES (1, 'a.png', :key, 'image/png', 10, 'u',"
                " CURRENT_TIMESTAMP)"), {"key": f"1/{n:032x}.png"})
    command.upgrade(config, "head")
    with engine.connect() as connection:
        slugs = connection.execute(text("SELECT slug FROM images")).scalars().all()
    assert len(slugs) == 3 and len(set(slugs)) == 3
    assert all(looks_like_slug(slug) and len(slug) == 10 for slug in slugs)
    command.downgrade(config, "0002")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM images")).scalar_one() == 3
    engine.dispose()
