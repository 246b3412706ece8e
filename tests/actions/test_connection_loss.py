"""Pooled connections the database closed while they sat in the pool (a restart, an
idle timeout, an operator's pg_terminate_backend): no ping per checkout (db.py), yet
no request fails for it."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from imghost import db
from imghost.services import accounts, credentials
from imghost.services.context import core_only
from tests.support.actions import log_in, new_user


def close_pooled_connections(runtime) -> int:
    """End every other backend of the runtime's database, as a server restart would."""
    admin = create_engine(runtime.settings.resolved_database_url, poolclass=NullPool)
    with admin.connect() as connection:
        ended = connection.execute(text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar_one()
    admin.dispose()
    return ended


@pytest.fixture
def pg_runtime(runtime):
    return runtime


# SQLite has no server to lose connections to: these run on PostgreSQL only.
pytestmark = pytest.mark.parametrize("backend", ["postgres-s3"], indirect=True)


def test_a_token_check_on_a_dead_pooled_connection_is_repeated_on_a_fresh_one(pg_runtime):
    user = new_user(pg_runtime)
    token = log_in(pg_runtime, user)
    assert pg_runtime.call_as(token, accounts.profile).id == user.id  # pooled, checked in
    assert close_pooled_connections(pg_runtime) >= 1
    assert pg_runtime.call_as(token, accounts.profile).id == user.id


@core_only
@credentials.requires(credentials.ANY_SCOPE)
def _caller_id(_ctx, user) -> int:
    return user.id


def test_the_same_for_an_action_on_a_core_session(pg_runtime):
    """A @core_only action (confirm) checks its token inside the transaction its
    CoreSession began: rolling back the dead connection's transaction lets it retry."""
    user = new_user(pg_runtime)
    token = log_in(pg_runtime, user)
    assert pg_runtime.call_as(token, _caller_id) == user.id  # pooled, checked in
    assert close_pooled_connections(pg_runtime) >= 1
    assert pg_runtime.call_as(token, _caller_id) == user.id


def test_a_connection_idle_for_a_while_is_pinged_before_use(pg_runtime, monkeypatch):
    new_user(pg_runtime)
    pg_runtime.call(accounts.stored_totals)
    monkeypatch.setattr(db, "IDLE_PING_SECONDS", 0.0)
    assert close_pooled_connections(pg_runtime) >= 1
    users, _images, _bytes = pg_runtime.call(accounts.stored_totals)  # no token check first
    assert users >= 1
