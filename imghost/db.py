"""The database engine: SQLite for the embedded default, PostgreSQL in production."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import create_engine

# Connections each worker keeps open. The API runs its database work on at most this
# many threads at once (runtime.database_threads), so busy periods reuse these instead of opening
# overflow connections: under 32 concurrent requests the 40-thread pool opened and
# closed ~45 PostgreSQL connections a second, each a backend fork plus libpq's
# Kerberos and .pgpass probing (strace of a loaded worker).
POOL_SIZE = 10


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, pool_size=POOL_SIZE,
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
    return create_engine(
        url,
        pool_size=POOL_SIZE,
        max_overflow=20,
        pool_pre_ping=True,
        pool_recycle=1800,
        # Fail fast when the server is gone so requests answer 503 quickly.
        connect_args={"connect_timeout": 5},
    )
