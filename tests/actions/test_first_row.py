"""services/driver_cursor.py (first): the token check's select, straight from the cursor where that
is exact, returns what Core returns (how it fails: test_driver_cursor_errors.py)."""

from __future__ import annotations

from imghost.services import credentials, tokens
from imghost.services.driver_cursor import first
from tests.support.actions import log_in, new_user


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
