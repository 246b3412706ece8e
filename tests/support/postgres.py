"""A throwaway database on the machine's PostgreSQL server."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg2
from sqlalchemy.engine import make_url

SERVER_URL = os.environ.get("IMGHOST_TEST_DATABASE_URL",
                            "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")


def _admin_connection():
    url = make_url(SERVER_URL)
    connection = psycopg2.connect(host=url.host, port=url.port or 5432, user=url.username,
                                  password=url.password, dbname=url.database or "postgres")
    connection.autocommit = True
    return connection


@contextmanager
def throwaway_database() -> Iterator[str]:
    """Create a uniquely named database; yield its SQLAlchemy URL; drop it after."""
    name = f"imghost_test_{uuid.uuid4().hex[:12]}"
    admin = _admin_connection()
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        yield make_url(SERVER_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
