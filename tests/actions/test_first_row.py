"""services/driver_cursor.py (first): the token check's select, straight from the cursor where that
is exact, returns what Core returns, and fails the way Core fails."""

from __future__ import annotations

import pytest
from sqlalchemy import bindparam, select
from sqlalchemy.exc import DBAPIError

from imghost.models import User
from imghost.services import credentials, tokens
from imghost.services.driver_cursor import first
from tests.actions.test_connection_loss import close_pooled_connections
from tests.support.actions import log_in, new_user

_BROKEN = select(User.__table__).where(User.__table__.c.id / bindparam("zero") == 1)


def test_rows_are_those_core_returns(runtime):
    user = new_user(runtime)
    log_in(runtime, user)
    pat = runtime.call_as(log_in(runtime, user), tokens.create, "t", ["images:read"]).token
    with runtime.read_engine.connect() as connection:
        sid = connection.exec_driver_sql(
            f"SELECT id FROM sessions WHERE user_id = {user.id} ORDER BY id LIMIT 1").scalar_one()
        for statement, params in ((credentials._BY_SESSION, {"sid": sid, "uid": user.id}),
                                  (credentials._BY_TOKEN, {"token_hash": credentials.hash_token(pat)}),
                                  (credentials._BY_SESSION, {"sid": sid, "uid": user.id + 1})):
            core = connection.execute(statement, params).first()
            assert first(connection, statement, params) == (tuple(core) if core else None)


@pytest.mark.parametrize("backend", ["postgres-s3"], indirect=True)
def test_errors_are_sqlalchemys_and_a_dead_connection_is_invalidated(runtime):
    new_user(runtime)
    with runtime.read_engine.connect() as connection:
        with pytest.raises(DBAPIError) as failed:
            first(connection, _BROKEN, {"zero": 0})
        assert not failed.value.connection_invalidated
    with runtime.read_engine.connect() as connection:
        connection.exec_driver_sql("SELECT 1")
        assert close_pooled_connections(runtime) >= 1
        with pytest.raises(DBAPIError) as failed:
            first(connection, credentials._BY_SESSION, {"sid": 1, "uid": 1})
        assert failed.value.connection_invalidated and connection.invalidated
