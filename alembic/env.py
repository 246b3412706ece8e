"""Alembic environment: migrates the database named by the imghost settings."""

from __future__ import annotations

from logging.config import fileConfig

from sqlmodel import SQLModel

import imghost.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from alembic import context
from imghost.db import make_engine
from imghost.settings import get_settings

config = context.config
if config.config_file_name is not None and not config.attributes.get("skip_logging"):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = SQLModel.metadata


def _url() -> str:
    return config.get_main_option("sqlalchemy.url") or get_settings().resolved_database_url


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True,
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(_url())
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # SQLite's own advice for schema changes: batch mode rebuilds a table by
            # dropping it, and with foreign keys on, dropping users would cascade-delete
            # every image. The pragma only takes effect outside a transaction.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        # Batch mode lets later ALTERs work on SQLite too.
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=True)
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                # Several workers (and `imghost migrate`) may start at once: one
                # migrates, the others wait here and then find the schema at head.
                connection.exec_driver_sql("SELECT pg_advisory_xact_lock(74696)")
            context.run_migrations()
        if sqlite:
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()
            if broken:
                raise RuntimeError(f"migration left rows with dangling foreign keys: {broken[:5]}")
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
