"""Hot-path statements straight on the driver's cursor, where that is exact.

Through Core, a statement costs 120-200 µs of CPU here besides the query itself (the
compiled-cache lookup, parameters processed, the execution context, the Result and
its Rows): more than psycopg2 spends sending it and reading the answer. These run on
busy paths: the token check's select (first, every authenticated request), a list
page's select (all_rows, 51 rows), an upload's grant INSERT (rowcount) and confirm's
grant select, image INSERT (returned), quota charge and grant DELETE. So each
statement is compiled once per dialect, and when no column or parameter needs
SQLAlchemy's type processing on that dialect (PostgreSQL with psycopg2: integers,
strings and timestamps pass as they are) the cursor of the same pooled connection runs
it. Otherwise (SQLite formats and returns timestamps as text) Core runs it as before.

Driver errors are handled as Core handles them: a dead connection is invalidated (so
the pool replaces it and the runner's retry gets a fresh one) and every error is
raised as SQLAlchemy's DBAPIError subclass (IntegrityError for a duplicate key), which
the API maps (503 when the database is down).

on_cursor runs SQL already written in the driver's parameter style the same way (the
upload claims' advisory-lock statements, services/upload_claims.py).

Statements must live as long as the process (module constants, or cached ones): their
compiled forms are kept by identity.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy import BindParameter, Table, bindparam
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import Select
from sqlalchemy.sql.dml import UpdateBase

T = TypeVar("T")

# By the statement's identity and dialect: its SQL (and, for writes, the parameters
# it fixes itself), or None when some value needs SQLAlchemy's processing.
_selects: dict[tuple[int, str], str | None] = {}
_writes: dict[tuple[int, str], tuple[str, dict[str, Any]] | None] = {}


def typed_binds(table: Table, names: Sequence[str]) -> dict[str, BindParameter]:
    """A parameter of each named column's type, by name: an INSERT given them all as its
    values has one SQL whatever keys a call passes, so the cursor runs one compiled form."""
    return {name: bindparam(name, type_=table.c[name].type) for name in names}


def select_sql(statement: Select, connection: Connection) -> str | None:
    """The select's SQL for this dialect, or None when a value needs processing."""
    dialect = connection.dialect
    key = (id(statement), dialect.name)
    if key not in _selects:
        compiled = statement.compile(dialect=dialect)
        exact = dialect.paramstyle == "pyformat" and not compiled.positional and not any(
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in statement.selected_columns) and all(
            # Every value comes from the caller's params, none from the statement itself.
            bind.required and not bind.type.dialect_impl(dialect).bind_processor(dialect)
            for bind in compiled.binds.values())
        _selects[key] = str(compiled) if exact else None
    return _selects[key]


def write_sql(statement: UpdateBase, connection: Connection
              ) -> tuple[str, dict[str, Any]] | None:
    """The write's SQL for this dialect and the values it fixes itself (a literal 0 in a
    COALESCE, a column's constant default), or None when a value needs processing."""
    dialect = connection.dialect
    key = (id(statement), dialect.name)
    if key not in _writes:
        compiled = statement.compile(dialect=dialect)
        binds = compiled.bind_names  # parameter -> its name in the SQL
        defaults = _constant_defaults(compiled)
        exact = (dialect.paramstyle == "pyformat" and not compiled.positional
                 and defaults is not None
                 and not any(column.type.dialect_impl(dialect).result_processor(dialect, None)
                             for column in compiled.effective_returning or ())
                 and not any(bind.type.dialect_impl(dialect).bind_processor(dialect)
                             or (not bind.required and bind.callable is not None)
                             for bind in binds))
        _writes[key] = (str(compiled), {name: defaults.get(name, bind.value)
                                        for bind, name in binds.items()
                                        if not bind.required}) if exact else None
    return _writes[key]


def _constant_defaults(compiled) -> dict[str, Any] | None:
    """The values Core computes at execution for columns the statement leaves out (an
    INSERT's defaults, an UPDATE's onupdates), by parameter name; None when one is not
    a constant (a function Core would call each time)."""
    found = {}
    for columns, default_of in ((compiled.insert_prefetch, "default"),
                                (compiled.update_prefetch, "onupdate")):
        for column in columns:
            default = getattr(column, default_of)
            if not default.is_scalar or column.key not in compiled.binds:
                return None
            found[column.key] = default.arg
    return found


def first(connection: Connection, statement: Select, params: dict[str, Any]) -> tuple | None:
    """statement's first row (a tuple, in its column order) or None."""
    sql = select_sql(statement, connection)
    if sql is None:
        row = connection.execute(statement, params).first()
        return tuple(row) if row is not None else None
    return on_cursor(connection, sql, params, lambda cursor: cursor.fetchone())


def all_rows(connection: Connection, statement: Select, params: dict[str, Any]
             ) -> list[Sequence[Any]]:
    """statement's rows (tuples, or Core rows on a dialect that needs processing), in its
    column order: read them by position."""
    sql = select_sql(statement, connection)
    if sql is None:
        return connection.execute(statement, params).all()
    return on_cursor(connection, sql, params, lambda cursor: cursor.fetchall())


def rowcount(connection: Connection, statement: UpdateBase, params: dict[str, Any]) -> int:
    """The number of rows an INSERT/UPDATE/DELETE without RETURNING touched; params give
    every parameter the statement does not fix itself. The cursor only runs it where
    Core's outcome is the same: in autocommit (the statement commits itself) or inside
    the transaction SQLAlchemy already tracks (its commit or rollback covers it)."""
    on_driver = _write_on_cursor(connection, statement, params)
    if on_driver is None:
        return connection.execute(statement, params).rowcount
    return on_cursor(connection, *on_driver, lambda cursor: cursor.rowcount)


def returned(connection: Connection, statement: UpdateBase, params: dict[str, Any]
             ) -> tuple | None:
    """The first row an INSERT/UPDATE/DELETE ... RETURNING gives (a tuple, in its
    RETURNING order), or None; run on the cursor where rowcount would run it."""
    on_driver = _write_on_cursor(connection, statement, params)
    if on_driver is None:
        row = connection.execute(statement, params).first()
        return tuple(row) if row is not None else None
    return on_cursor(connection, *on_driver, lambda cursor: cursor.fetchone())


def _write_on_cursor(connection: Connection, statement: UpdateBase, params: dict[str, Any]
                     ) -> tuple[str, dict[str, Any]] | None:
    """The write's SQL and its full parameters when the cursor may run it, else None."""
    raw = write_sql(statement, connection)
    if raw is None or not _runs_as_core_would(connection):
        return None
    sql, fixed = raw
    return sql, {**fixed, **params} if fixed else params


def _runs_as_core_would(connection: Connection) -> bool:
    if connection.in_transaction():
        return True
    return bool(getattr(connection.connection.dbapi_connection, "autocommit", False))


def on_cursor(connection: Connection, sql: str, params: dict[str, Any],
              read: Callable[[Any], T]) -> T:
    """read(cursor) once the driver ran sql (the driver's own paramstyle) with params,
    on connection's DBAPI connection; errors as Core raises them."""
    fairy = connection.connection  # the pooled DBAPI connection (checked out already)
    dbapi_error = connection.dialect.loaded_dbapi.Error
    cursor = None
    try:
        cursor = fairy.cursor()
        cursor.execute(sql, params)
        result = read(cursor)
        cursor.close()
        return result
    except dbapi_error as error:
        invalidated = connection.dialect.is_disconnect(error, fairy, cursor)
        if invalidated:
            connection.invalidate(error)
        raise DBAPIError.instance(sql, params, error, dbapi_error,
                                  connection_invalidated=invalidated,
                                  dialect=connection.dialect) from error
