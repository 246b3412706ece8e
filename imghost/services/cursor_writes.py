"""A hot-path write statement, straight on the driver's cursor when that is exact.

Every upload start inserts its grant (services/quota.py). Through Core,
`connection.execute(insert).rowcount` costs ~200 µs of CPU here besides the statement
itself (the compiled-cache lookup, twelve parameters processed, the execution context
and its CursorResult): more than psycopg2 spends sending the INSERT and reading its
row count. So, as services/first_row.py does for the token check's select: the
statement is compiled once per dialect, and when no parameter needs SQLAlchemy's
type processing on that dialect (PostgreSQL with psycopg2: integers, strings and
timestamps go to the driver as they are) the cursor of the same pooled connection
runs it, with the statement's own constants (a literal 0 in a COALESCE) as fixed
parameters. Otherwise (SQLite formats timestamps itself) it goes through Core.

The cursor only runs it where Core's outcome is the same: in autocommit (the
statement commits itself) or inside the transaction SQLAlchemy already tracks (its
commit or rollback covers it). Driver errors are raised as Core raises them: a dead
connection is invalidated and every error becomes SQLAlchemy's DBAPIError subclass
(IntegrityError for a duplicate key), which the API maps.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.dml import UpdateBase

# By the statement's identity and dialect: its SQL and fixed parameters, or None
# when some value needs SQLAlchemy's processing.
_compiled: dict[tuple[int, str], tuple[str, dict[str, Any]] | None] = {}


def _raw_sql(statement: UpdateBase, connection: Connection) -> tuple[str, dict[str, Any]] | None:
    dialect = connection.dialect
    key = (id(statement), dialect.name)
    if key not in _compiled:
        compiled = statement.compile(dialect=dialect)
        binds = compiled.bind_names  # parameter -> its name in the SQL
        exact = (dialect.paramstyle == "pyformat" and not compiled.positional
                 and not compiled.effective_returning
                 and not any(bind.type.dialect_impl(dialect).bind_processor(dialect)
                             or (not bind.required and bind.callable is not None)
                             for bind in binds))
        _compiled[key] = (str(compiled), {name: bind.value for bind, name in binds.items()
                                          if not bind.required}) if exact else None
    return _compiled[key]


def _runs_as_core_would(connection: Connection) -> bool:
    if connection.in_transaction():
        return True
    return bool(getattr(connection.connection.dbapi_connection, "autocommit", False))


def rowcount(connection: Connection, statement: UpdateBase, params: dict[str, Any]) -> int:
    """The number of rows an INSERT/UPDATE/DELETE without RETURNING touched. The
    statement must be a module-level constant (compiled forms are kept by its identity)
    and params must give every parameter it does not fix itself."""
    raw = _raw_sql(statement, connection)
    if raw is None or not _runs_as_core_would(connection):
        return connection.execute(statement, params).rowcount
    sql, fixed = raw
    values = {**fixed, **params} if fixed else params
    fairy = connection.connection  # the pooled DBAPI connection (checked out already)
    dbapi_error = connection.dialect.loaded_dbapi.Error
    cursor = None
    try:
        cursor = fairy.cursor()
        cursor.execute(sql, values)
        count = cursor.rowcount
        cursor.close()
        return count
    except dbapi_error as error:
        invalidated = connection.dialect.is_disconnect(error, fairy, cursor)
        if invalidated:
            connection.invalidate(error)
        raise DBAPIError.instance(sql, values, error, dbapi_error,
                                  connection_invalidated=invalidated,
                                  dialect=connection.dialect) from error
