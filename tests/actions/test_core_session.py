"""core_session.CoreSession: an action marked @core_only runs in a transaction of its
own connection, as with an ORM Session: kept when it returns, undone when it raises,
and a commit hands the connection back to the pool."""

from __future__ import annotations

import pytest

from imghost.errors import Invalid
from imghost.services import quota, uploads
from imghost.services.context import core_only
from imghost.services.driver_cursor import rowcount
from tests.actions.test_cursor_writes import _grant, _stored
from tests.actions.test_runner import _autocommits
from tests.support.actions import new_user


@core_only
def _insert(ctx, grant: dict, fail: bool) -> None:
    # The grant INSERT goes by the driver's cursor on PostgreSQL: it must be inside the
    # transaction the session began, or a commit would not keep it.
    rowcount(ctx.session.connection(), quota._INSERT_GRANT, grant)
    if fail:
        raise Invalid("refused after writing")


@core_only
def _commit_midway(ctx, grant: dict, pool) -> tuple[int, int]:
    connection = ctx.session.connection()  # still referenced after the commit
    rowcount(connection, quota._INSERT_GRANT, grant)
    during = pool.checkedout()
    ctx.commit()
    return during, pool.checkedout()


def test_confirm_is_core_only():
    assert uploads.finish.core_only


def test_a_core_only_action_runs_in_a_transaction_begun_with_its_connection(runtime):
    """Begun before any statement: the driver cursor's writes run on the cursor only
    inside a transaction SQLAlchemy tracks (services/driver_cursor.py)."""
    assert runtime.call(core_only(lambda ctx: _autocommits(ctx))) is False
    assert runtime.call(core_only(lambda ctx: ctx.session.connection().in_transaction()))


@pytest.mark.parametrize("fail", [False, True])
def test_its_writes_are_kept_when_it_returns_and_undone_when_it_raises(runtime, fail):
    grant = _grant(new_user(runtime).id)
    if fail:
        with pytest.raises(Invalid):
            runtime.call(_insert, grant, fail)
    else:
        runtime.call(_insert, grant, fail)
    with runtime.read_engine.connect() as connection:
        assert (_stored(connection, grant["r2_key"]) is None) == fail


def test_a_commit_hands_the_connection_back(runtime):
    grant = _grant(new_user(runtime).id)
    during, after = runtime.call(_commit_midway, grant, runtime.engine.pool)
    assert (during, after) == (1, 0)
    with runtime.read_engine.connect() as connection:
        assert _stored(connection, grant["r2_key"]) is not None
