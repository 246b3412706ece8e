"""services/driver_cursor.py (rowcount): the grant inserts, straight on the cursor where that is
exact, write what Core writes, count what Core counts (how it fails: test_driver_cursor_errors.py)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from imghost.models import UploadGrant
from imghost.services import driver_cursor, quota
from imghost.services.driver_cursor import rowcount
from tests.support.actions import new_user

_grants = UploadGrant.__table__


_EXPIRES_AT = datetime.now(UTC) + timedelta(hours=1)


def _grant(user_id: int, **changes) -> dict:
    return {"r2_key": f"{user_id}/{uuid.uuid4().hex}.png", "user_id": user_id,
            "content_type": "image/png", "size_bytes": 1234, "expires_at": _EXPIRES_AT,
            "image_lifetime_seconds": None, **changes}


def _stored(connection, key: str) -> tuple | None:
    row = connection.execute(select(_grants).where(_grants.c.r2_key == key)).first()
    return tuple(row) if row is not None else None


def test_rows_and_counts_are_those_core_gives(runtime):
    default_quota = 100_000
    with runtime.read_engine.connect() as connection:
        for statement, extra in ((quota._INSERT_GRANT, {}),
                                 (quota._INSERT_GRANT_WITHIN_ROOM,
                                  {"now": datetime.now(UTC), "default_quota": default_quota})):
            user = new_user(runtime)  # no open grants yet
            # The same grant by both paths: one through Core, one through rowcount().
            for size, fits in ((1234, True), (default_quota + 1, False)):
                by_core, by_cursor = (_grant(user.id, size_bytes=size) for _ in range(2))
                core = connection.execute(statement, {**by_core, **extra}).rowcount
                assert rowcount(connection, statement, {**by_cursor, **extra}) == core
                if statement is quota._INSERT_GRANT:
                    assert core == 1
                else:
                    assert core == int(fits)
                core_row, cursor_row = _stored(connection, by_core["r2_key"]), _stored(
                    connection, by_cursor["r2_key"])
                assert (core_row is None) == (cursor_row is None)
                if core_row is not None:
                    assert core_row[1:] == cursor_row[1:]  # all but the key


@pytest.mark.parametrize("backend", ["postgres-s3"], indirect=True)
def test_a_duplicate_grant_is_cores_integrity_error(runtime):
    """(Other errors and a dead connection: test_driver_cursor_errors.py.)"""
    grant = _grant(new_user(runtime).id)
    with runtime.read_engine.connect() as connection:
        # PostgreSQL with psycopg2: both grant inserts go by the cursor.
        assert driver_cursor.write_sql(quota._INSERT_GRANT, connection) is not None
        assert driver_cursor.write_sql(quota._INSERT_GRANT_WITHIN_ROOM, connection) is not None
        assert rowcount(connection, quota._INSERT_GRANT, grant) == 1
        with pytest.raises(IntegrityError):  # what Core raises for a duplicate key
            rowcount(connection, quota._INSERT_GRANT, grant)


def test_a_transaction_decides_as_it_does_for_core(runtime):
    """Outside autocommit the write belongs to the transaction: rolled back with it,
    kept when it commits, whether it is the transaction's first statement or not."""
    user = new_user(runtime)
    first_dropped, later_dropped, kept = (_grant(user.id) for _ in range(3))
    with runtime.engine.connect() as connection:
        assert rowcount(connection, quota._INSERT_GRANT, first_dropped) == 1
        connection.rollback()
        connection.execute(select(1))
        assert rowcount(connection, quota._INSERT_GRANT, later_dropped) == 1
        connection.rollback()
        connection.execute(select(1))
        assert rowcount(connection, quota._INSERT_GRANT, kept) == 1
        connection.commit()
    with runtime.read_engine.connect() as connection:
        assert _stored(connection, first_dropped["r2_key"]) is None
        assert _stored(connection, later_dropped["r2_key"]) is None
        assert _stored(connection, kept["r2_key"]) is not None
