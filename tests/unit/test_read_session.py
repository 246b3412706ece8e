"""The read-only unit's session (imghost/read_session.py): a pooled connection alone
until the action needs the ORM, then a Session on that same connection."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from imghost.db import make_engine
from imghost.read_session import ReadSession


@pytest.fixture
def engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'read.db'}", autocommit=True)
    with engine.connect() as connection:
        connection.execute(text("CREATE TABLE t (n INTEGER)"))
        connection.execute(text("INSERT INTO t VALUES (1), (2)"))
    yield engine
    engine.dispose()


def test_core_statements_need_no_orm_session(engine):
    session = ReadSession(engine)
    connection = session.connection()
    assert session.connection() is connection  # one connection per unit
    assert connection.execute(text("SELECT count(*) FROM t")).scalar_one() == 2
    assert session._session is None
    session.commit()  # nothing to commit in autocommit
    session.close()
    assert engine.pool.checkedout() == 0


def test_the_orm_session_comes_on_first_use_on_the_same_connection(engine):
    session = ReadSession(engine)
    connection = session.connection()
    assert session.execute(text("SELECT sum(n) FROM t")).scalar_one() == 3
    assert session._session is not None and session._session.connection() is connection
    session.close()
    assert engine.pool.checkedout() == 0


def test_rollback_hands_the_connection_back_for_a_fresh_one(engine):
    session = ReadSession(engine)
    first = session.connection()
    session.rollback()
    assert first.closed and engine.pool.checkedout() == 0
    assert session.connection() is not first
    session.close()
    session.close()  # closing twice is harmless
    assert engine.pool.checkedout() == 0
