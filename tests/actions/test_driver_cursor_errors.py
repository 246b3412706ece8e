"""services/driver_cursor.py: statements run on the driver's cursor fail the way Core
fails — an error is SQLAlchemy's DBAPIError (which the API maps), and a dead connection
is invalidated so the pool replaces it — for each of first, all_rows, rowcount and returned."""

from __future__ import annotations

import pytest
from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import DBAPIError

from imghost.models import User
from imghost.services import credentials, images, quota, uploads
from imghost.services.driver_cursor import all_rows, first, returned, rowcount
from tests.actions.test_connection_loss import close_pooled_connections
from tests.actions.test_cursor_returning import _image_row
from tests.actions.test_cursor_writes import _grant
from tests.support.actions import new_user

_users = User.__table__
# Division by zero: an error from the database itself, on a live connection.
_BROKEN_SELECT = select(_users).where(_users.c.id / bindparam("zero") == 1)
_BROKEN_WRITE = update(_users).where(_users.c.id / bindparam("zero") == 1).values(image_count=0)
_BROKEN_RETURNING = _BROKEN_WRITE.returning(_users.c.id)


# Each way to the cursor: the function, a statement that fails, and a valid statement
# with its parameters (run once the connection has been ended under it).
WAYS = {
    "first": (first, _BROKEN_SELECT,
              lambda runtime, user: (credentials._BY_SESSION, {"sid": 1, "uid": 1})),
    "all_rows": (all_rows, _BROKEN_SELECT,
                 lambda runtime, user: (images._page_statement("newest", None, (False,) * 4),
                                        {"user_id": 1, "now": runtime.clock(), "rows": 1})),
    "rowcount": (rowcount, _BROKEN_WRITE,
                 lambda runtime, user: (quota._INSERT_GRANT, _grant(user.id))),
    "returned": (returned, _BROKEN_RETURNING,
                 lambda runtime, user: (uploads._INSERT_IMAGE, _image_row(user.id))),
}


@pytest.mark.parametrize("backend", ["postgres-s3"], indirect=True)
@pytest.mark.parametrize("way", WAYS)
def test_errors_are_sqlalchemys_and_a_dead_connection_is_invalidated(runtime, way):
    run, broken, valid = WAYS[way]
    user = new_user(runtime)
    with runtime.read_engine.connect() as connection:
        with pytest.raises(DBAPIError) as failed:
            run(connection, broken, {"zero": 0})
        assert not failed.value.connection_invalidated
    with runtime.read_engine.connect() as connection:
        connection.exec_driver_sql("SELECT 1")
        assert close_pooled_connections(runtime) >= 1
        with pytest.raises(DBAPIError) as failed:
            run(connection, *valid(runtime, user))
        assert failed.value.connection_invalidated and connection.invalidated
