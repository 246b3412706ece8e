"""services/driver_cursor.py (all_rows): a list page's select, straight from the cursor where that is
exact, returns the rows Core returns (how it fails: test_driver_cursor_errors.py)."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import delete, insert, update

from imghost.models import Image, User
from imghost.services import images
from imghost.services.driver_cursor import all_rows
from imghost.services.object_keys import derivative_key
from imghost.services.slugs import new_slug
from tests.actions.test_image_search import DAY0
from tests.support.actions import new_user


@contextmanager
def _images(runtime, user, count: int) -> Iterator[None]:
    """Rows inserted directly (listing never reads the stored objects), the user's count
    kept: some without sizes or renditions, some expiring, sizes that tie. Deleted
    afterwards: rows without thumbnails would be pending jobs for the thumbnail tests
    that share the database."""
    table = Image.__table__
    with runtime.engine.begin() as connection:
        for n in range(count):
            key = f"{user.id}/{uuid.uuid4().hex}.png"
            connection.execute(insert(table).values(
                user_id=user.id, filename=f"späť {n}.png", r2_key=key,
                content_type="image/png", size_bytes=100 + n % 3, public_url=f"http://x/{key}",
                slug=new_slug(), width=n or None, height=n or None,
                thumbnail_key=None if n % 2 else derivative_key(key, "thumb"),
                expires_at=DAY0 + timedelta(days=36500) if n % 3 else None,
                created_at=DAY0 + timedelta(minutes=n)))
        connection.execute(update(User.__table__).where(User.__table__.c.id == user.id)
                           .values(image_count=count))
    try:
        yield
    finally:
        with runtime.engine.begin() as connection:
            connection.execute(delete(table).where(table.c.user_id == user.id))


def test_rows_are_those_core_returns(runtime):
    user = new_user(runtime)
    values = {"user_id": user.id, "now": DAY0, "rows": 5, "text_pattern": "%ť%",
              "content_type": "image/png", "created_from": DAY0,
              "created_before": DAY0 + timedelta(days=1)}
    with _images(runtime, user, 7), runtime.read_engine.connect() as connection:
        shapes = itertools.product(("newest", "oldest", "largest"), (None, "after"),
                                   itertools.product((False, True), repeat=4))
        for sort, direction, filters_set in shapes:
            # Every row is past the position: from the far end of the sort.
            far = (0, 0) if sort == "oldest" else (2**31 - 1, 2**40)
            params = {**values, "after_id": far[0], "after_size": far[1]}
            statement = images._page_statement(sort, direction, filters_set,
                                               connection.dialect.name != "sqlite")
            core = [tuple(row) for row in connection.execute(statement, params).all()]
            assert len(core) == 5, (sort, direction, filters_set)
            assert [tuple(row) for row in all_rows(connection, statement, params)] == core
