"""All rows of a hot-path select, straight from the driver's cursor when that is exact.

first_row.first does this for one row (the token check); a list page reads 51. Through
Core, `connection.execute(select).all()` costs ~160 µs of CPU more than psycopg2's own
execute and fetchall for such a page (the execution context, the Result, a Row per
row). The same rule decides when the cursor may run it (first_row._raw_sql: compiled
once per dialect, no column or parameter needing SQLAlchemy's type processing, as on
PostgreSQL with psycopg2); otherwise (SQLite returns timestamps as text) Core runs it.
Either way the rows are read by position.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import Select

from imghost.services.first_row import _raw_sql


def all_rows(connection: Connection, statement: Select, params: dict[str, Any]
             ) -> list[Sequence[Any]]:
    """statement's rows (tuples, or Core rows on a dialect that needs processing), in its
    column order. The statement must live as long as the process (a module constant or
    a cached one): compiled forms are kept by its identity."""
    sql = _raw_sql(statement, connection)
    if sql is None:
        return connection.execute(statement, params).all()
    fairy = connection.connection  # the pooled DBAPI connection (checked out already)
    dbapi_error = connection.dialect.loaded_dbapi.Error
    cursor = None
    try:
        cursor = fairy.cursor()
        cursor.execute(sql, params)
        rows = cursor.fetchall()
        cursor.close()
        return rows
    except dbapi_error as error:
        # As Core does (and first_row.first): a dead connection is invalidated so the
        # pool replaces it, and the error is SQLAlchemy's, which the API maps to 503.
        invalidated = connection.dialect.is_disconnect(error, fairy, cursor)
        if invalidated:
            connection.invalidate(error)
        raise DBAPIError.instance(sql, params, error, dbapi_error,
                                  connection_invalidated=invalidated,
                                  dialect=connection.dialect) from error
