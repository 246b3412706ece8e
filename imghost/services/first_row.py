"""The first row of a hot-path select, straight from the driver's cursor when that is exact.

`connection.execute(select).first()` costs ~120 µs of CPU here besides the query itself
(the compiled-cache lookup, the execution context, the Result and its Row), three
times what psycopg2 spends sending the statement and reading the answer. The token
check runs one on every authenticated request. So: the statement is compiled once
per dialect, and when no column or parameter needs SQLAlchemy's type processing on
that dialect (PostgreSQL with psycopg2: integers, strings, timestamps come back as
Python values already) the cursor of the same pooled connection runs it. Otherwise
(SQLite returns timestamps as text) it goes through Core as before.

Driver errors are handled as Core handles them: a dead connection is invalidated (so
the pool replaces it and the runner's retry gets a fresh one) and every error is
raised as SQLAlchemy's DBAPIError subclass, which the API maps (503 when the
database is down).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import Select

_compiled: dict[tuple[int, str], str | None] = {}


def _raw_sql(statement: Select, connection: Connection) -> str | None:
    """The statement's SQL for this dialect, or None when a value needs processing."""
    dialect = connection.dialect
    key = (id(statement), dialect.name)
    if key not in _compiled:
        compiled = statement.compile(dialect=dialect)
        exact = dialect.paramstyle == "pyformat" and not compiled.positional and not any(
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in statement.selected_columns) and all(
            # Every value comes from the caller's params, none from the statement itself.
            bind.required and not bind.type.dialect_impl(dialect).bind_processor(dialect)
            for bind in compiled.binds.values())
        _compiled[key] = str(compiled) if exact else None
    return _compiled[key]


def first(connection: Connection, statement: Select, params: dict[str, Any]) -> tuple | None:
    """statement's first row (a tuple, in its column order) or None. The statement must
    be a module-level constant: compiled forms are kept by its identity."""
    sql = _raw_sql(statement, connection)
    if sql is None:
        row = connection.execute(statement, params).first()
        return tuple(row) if row is not None else None
    fairy = connection.connection  # the pooled DBAPI connection (checked out already)
    dbapi_error = connection.dialect.loaded_dbapi.Error
    cursor = None
    try:
        cursor = fairy.cursor()
        cursor.execute(sql, params)
        row = cursor.fetchone()
        cursor.close()
        return row
    except dbapi_error as error:
        invalidated = connection.dialect.is_disconnect(error, fairy, cursor)
        if invalidated:
            connection.invalidate(error)
        raise DBAPIError.instance(sql, params, error, dbapi_error,
                                  connection_invalidated=invalidated,
                                  dialect=connection.dialect) from error
