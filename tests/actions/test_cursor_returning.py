"""services/driver_cursor.py (returned): confirm's image INSERT ... RETURNING, straight on
the cursor where that is exact, writes the row Core writes (the columns it leaves to
their defaults too) and returns its id (how it fails: test_driver_cursor_errors.py)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import bindparam, insert, select, update

from imghost.models import Image
from imghost.services import driver_cursor, uploads
from imghost.services.driver_cursor import returned
from tests.support.actions import new_user

_images = Image.__table__
# created_at left to its default, a function Core calls per row: not the cursor's to run.
_INSERT_WITHOUT_CREATED_AT = insert(_images).values(
    {name: bindparam(name, type_=_images.c[name].type)
     for name in uploads._IMAGE_FIELDS if name != "created_at"})
_NO_SUCH_IMAGE = (update(_images).where(_images.c.id == bindparam("image_id"))
                  .values(width=1).returning(_images.c.id))


def _image_row(user_id: int) -> dict:
    key = f"{user_id}/{uuid.uuid4().hex}.png"
    return {"user_id": user_id, "filename": "a.png", "r2_key": key, "content_type": "image/png",
            "size_bytes": 1234, "width": 3, "height": 2, "placeholder": "#102030",
            "public_url": f"http://example.test/{key}", "slug": uuid.uuid4().hex[:12],
            "created_at": datetime.now(UTC), "expires_at": None,
            # With thumbnails: not a pending job for the thumbnail tests sharing the database.
            "thumbnail_key": f"{key}.thumb.webp", "display_key": None, "blurhash": None}


def _stored(connection, image_id: int) -> dict:
    return dict(connection.execute(select(_images).where(_images.c.id == image_id)).one()._mapping)


def test_the_row_and_id_are_those_core_gives(runtime):
    user = new_user(runtime)
    with runtime.engine.connect() as connection:  # in a transaction, as confirm runs it
        if runtime.settings.is_sqlite:
            assert driver_cursor.write_sql(uploads._INSERT_IMAGE, connection) is None
        else:  # PostgreSQL with psycopg2: the insert goes by the cursor
            assert driver_cursor.write_sql(uploads._INSERT_IMAGE, connection) is not None
        by_core, by_cursor = _image_row(user.id), _image_row(user.id)
        (core_id,) = connection.execute(uploads._INSERT_IMAGE, by_core).one()
        (cursor_id,) = returned(connection, uploads._INSERT_IMAGE, by_cursor)
        core_row, cursor_row = _stored(connection, core_id), _stored(connection, cursor_id)
        assert cursor_row["thumbnail_attempts"] == core_row["thumbnail_attempts"] == 0
        own = ("id", "r2_key", "public_url", "slug", "thumbnail_key", "created_at")
        assert ({k: v for k, v in cursor_row.items() if k not in own}
                == {k: v for k, v in core_row.items() if k not in own})
        assert cursor_row["r2_key"] == by_cursor["r2_key"]
        assert returned(connection, _NO_SUCH_IMAGE, {"image_id": -1}) is None
        connection.rollback()  # nothing left behind


@pytest.mark.parametrize("backend", ["postgres-s3"], indirect=True)
def test_a_default_core_computes_per_call_keeps_the_write_on_core(runtime):
    with runtime.read_engine.connect() as connection:
        assert driver_cursor.write_sql(_INSERT_WITHOUT_CREATED_AT, connection) is None
