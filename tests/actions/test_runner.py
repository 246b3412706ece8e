"""The runner: one unit of work per action, after-commit jobs, the caller behind a token."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import Session, select

from imghost.errors import Invalid, Unauthorized
from imghost.models import User
from imghost.services import accounts, auth


def _add_then_fail(ctx, name: str, ran: list) -> None:
    auth.add_user(ctx.session, name, f"{name}@example.com", "correct horse", 4)
    ctx.after_commit(lambda: ran.append("job"))
    raise Invalid("refused after writing")


def _add(ctx, name: str, ran: list) -> None:
    auth.add_user(ctx.session, name, f"{name}@example.com", "correct horse", 4)
    ctx.after_commit(lambda: ran.append(ctx.session.in_transaction()))


def test_an_action_that_raises_leaves_nothing_and_starts_no_job(runtime):
    name, ran = f"u_{uuid.uuid4().hex[:10]}", []
    with pytest.raises(Invalid):
        runtime.call(_add_then_fail, name, ran)
    with Session(runtime.engine) as session:
        assert session.exec(select(User).where(User.username == name)).first() is None
    assert ran == []


def test_jobs_start_after_the_commit(runtime):
    name, ran = f"u_{uuid.uuid4().hex[:10]}", []
    runtime.call(_add, name, ran)
    assert ran == [False]
    with Session(runtime.engine) as session:
        assert session.exec(select(User).where(User.username == name)).first() is not None


@pytest.mark.parametrize("token", ["", "garbage", "a.b.c"])
def test_call_as_refuses_a_token_that_names_no_one(runtime, token):
    with pytest.raises(Unauthorized):
        runtime.call_as(token, accounts.profile)


def _autocommits(ctx) -> bool:
    driver = ctx.session.connection().connection.dbapi_connection
    if hasattr(driver, "autocommit") and isinstance(driver.autocommit, bool):
        return driver.autocommit  # psycopg2
    return driver.isolation_level is None  # sqlite3: no implicit BEGIN


def test_actions_marked_reads_only_run_in_autocommit_and_others_in_a_transaction(runtime):
    from imghost.services.context import reads_only

    read = reads_only(lambda ctx: _autocommits(ctx))
    assert runtime.call(read) is True
    assert runtime.call(_autocommits) is False


def test_the_token_check_of_a_read_only_action_still_sees_a_logout_at_once(runtime):
    """profile (GET /api/auth/me) runs in autocommit on its own pool: a session ended on
    the other pool is refused by the very next call."""
    name = f"u_{uuid.uuid4().hex[:10]}"
    runtime.call(accounts.sign_up, name, f"{name}@example.com", "correct horse battery",
                 "127.0.0.1", "", False)
    token = runtime.call(accounts.log_in, name, "correct horse battery", "127.0.0.1").token
    assert runtime.call_as(token, accounts.profile).username == name
    from imghost.services import sessions

    runtime.call_as(token, sessions.log_out)
    with pytest.raises(Unauthorized):
        runtime.call_as(token, accounts.profile)
