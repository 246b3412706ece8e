"""The database engine: SQLite for the embedded default, PostgreSQL in production."""

from __future__ import annotations

import time

from sqlalchemy import event, exc
from sqlalchemy.engine import Engine
from sqlmodel import create_engine

# Connections each worker keeps open. The API runs its database work on at most this
# many threads at once (Runtime.database_lane), so busy periods reuse these instead of opening
# overflow connections: under 32 concurrent requests the 40-thread pool opened and
# closed ~45 PostgreSQL connections a second, each a backend fork plus libpq's
# Kerberos and .pgpass probing (strace of a loaded worker).
POOL_SIZE = 10
# A connection back from the pool after this long idle is pinged first (the server may
# have closed it meanwhile). Busy connections are not: a ping per checkout was a round
# trip per request. A connection that died in between fails its first statement, the
# pool is invalidated, and runtime._as_caller repeats the token check once.
IDLE_PING_SECONDS = 10.0


def make_engine(url: str, *, autocommit: bool = False) -> Engine:
    """autocommit: every statement commits on its own (for actions marked reads_only).
    A separate engine, so its connections stay in that mode instead of being switched
    at each checkout (which costs more than the round trips it saves). Its pool does
    not roll back a connection it gets back: in autocommit no transaction is ever
    open, and psycopg2's rollback() gives up the GIL even when it has nothing to do,
    a thread switch per request under load."""
    modes = ({"isolation_level": "AUTOCOMMIT", "pool_reset_on_return": None} if autocommit
             else {})
    if url.startswith("sqlite"):
        engine = create_engine(url, pool_size=POOL_SIZE, **modes,
                               connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # pragma: no cover - trivial
            cursor = dbapi_connection.cursor()
            # WAL lets readers go on while one writer commits; foreign keys make
            # ON DELETE CASCADE work as on PostgreSQL.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    engine = create_engine(
        url,
        pool_size=POOL_SIZE,
        max_overflow=20,
        pool_recycle=1800,
        **modes,
        # Fail fast when the server is gone so requests answer 503 quickly.
        connect_args={"connect_timeout": 5},
    )
    ping_when_idle(engine)
    return engine


def ping_when_idle(engine: Engine) -> None:
    """SQLAlchemy's pessimistic disconnect handling, only for connections idle a while."""
    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection, record, _proxy):
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < IDLE_PING_SECONDS:
            return
        try:
            cursor = dbapi_connection.cursor()
            cursor.execute("SELECT 1")
            cursor.close()
        except Exception as error:
            # The pool drops this connection and checks out (or opens) another.
            raise exc.DisconnectionError() from error
