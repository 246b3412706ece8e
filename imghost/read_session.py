"""The session of a read-only unit of work: its connection alone, until it needs more.

Actions marked @reads_only run on an autocommit connection (runtime.py, db.py), and
most of them only run Core statements on `ctx.session.connection()`: the token check
(one select per request) and GET /api/auth/me, for example, never touch the ORM. An
ORM Session costs a tenth of such a request in itself (building it, its transaction
object, binding and closing them), so this one checks a connection out of the pool
when asked for it and builds a real Session, on that same connection, only when the
action uses anything else (exec, get, execute ...).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session


class ReadSession:
    def __init__(self, engine: Engine):
        self._engine = engine
        self._connection: Connection | None = None
        self._session: Session | None = None

    def connection(self) -> Connection:
        if self._connection is None:
            self._connection = self._engine.connect()
        return self._connection

    def __getattr__(self, name: str) -> Any:
        # Anything but connection(): a real Session, bound to the same connection.
        if self._session is None:
            self._session = Session(bind=self.connection(), expire_on_commit=False)
        return getattr(self._session, name)

    def commit(self) -> None:
        # Autocommit: each statement committed itself; the Session may still flush.
        if self._session is not None:
            self._session.commit()

    def rollback(self) -> None:
        """Nothing to undo in autocommit; hand the connection back (a dead one is
        discarded by the pool), so that a retry checks out a fresh one."""
        self.close()

    def close(self) -> None:
        session, connection = self._session, self._connection
        self._session = self._connection = None
        try:
            if session is not None:
                session.close()
        finally:
            if connection is not None:
                connection.close()
