"""The session of a unit of work that only runs Core statements: its connection, in a
transaction.

An ORM Session costs a confirm ~60 µs of CPU per transaction in itself (building it,
its SessionTransaction, binding, committing and closing them), besides the statements.
Actions marked @core_only (services/context.py) ask it for nothing but connection():
this one checks a connection out of the pool when asked, begins the transaction
there, and commit or rollback ends it and hands the connection back, as Session's
own commit and rollback do (so a generator action holds no pooled connection during
its slow steps). It has no ORM at all: an action that needs one is not @core_only.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection, Engine


class CoreSession:
    def __init__(self, engine: Engine):
        self._engine = engine
        self._connection: Connection | None = None

    def connection(self) -> Connection:
        if self._connection is None:
            connection = self._engine.connect()
            # Begun here, not on the first Core statement: the driver cursor's
            # statements (services/driver_cursor.py) belong to it too.
            connection.begin()
            self._connection = connection
        return self._connection

    def commit(self) -> None:
        self._end(Connection.commit)

    def rollback(self) -> None:
        self._end(Connection.rollback)

    def _end(self, finish) -> None:
        """finish(connection) the transaction, if one was begun, and hand it back."""
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                finish(connection)
            finally:
                connection.close()

    def close(self) -> None:
        self.rollback()  # as Session.close(): what was not committed is undone
