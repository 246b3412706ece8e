"""What the schema itself guarantees (migration 0003_abuse_hardening), on both databases:
names unique whatever their case, ids never handed out twice; and the SQLite rebuild
it takes keeps every row (foreign keys off while it runs, or dropping users would
cascade-delete the images)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import IntegrityError

from alembic import command
from imghost.migrations import alembic_config


def add_user(connection, name: str, email: str | None = None) -> int:
    return connection.execute(text(
        "INSERT INTO users (username, email, password_hash, image_count, bytes_stored, created_at)"
        " VALUES (:u, :e, 'x', 0, 0, :t) RETURNING id"),
        {"u": name, "e": email or f"{name.lower()}@example.com", "t": datetime.now(UTC)}).scalar_one()


def test_names_and_emails_are_unique_whatever_the_case(configured):
    name = f"Case_{uuid.uuid4().hex[:8]}"
    with configured.engine.begin() as connection:
        add_user(connection, name)
    twins = ((name.lower(), None), (f"other_{uuid.uuid4().hex[:8]}", f"{name.upper()}@EXAMPLE.COM"))
    for twin, email in twins:
        with pytest.raises(IntegrityError), configured.engine.begin() as connection:
            add_user(connection, twin, email)
    indexes = {ix["name"] for ix in inspect(configured.engine).get_indexes("users")}
    if configured.engine.dialect.name == "postgresql":  # SQLite cannot reflect expression indexes
        assert {"ux_users_username_lower", "ux_users_email_lower"} <= indexes


def test_ids_of_deleted_rows_are_never_reused(configured):
    with configured.engine.begin() as connection:
        first = add_user(connection, f"gone_{uuid.uuid4().hex[:8]}")
        connection.execute(text("DELETE FROM users WHERE id >= :id"), {"id": first})
    with configured.engine.begin() as connection:
        second = add_user(connection, f"new_{uuid.uuid4().hex[:8]}")
    assert second > first
    if configured.engine.dialect.name == "sqlite":
        with configured.engine.connect() as connection:
            for table in ("users", "images"):
                sql = connection.execute(text("SELECT sql FROM sqlite_master WHERE name = :t"),
                                         {"t": table}).scalar_one()
                assert "AUTOINCREMENT" in sql, sql


def test_upgrading_an_existing_sqlite_database_keeps_every_row(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(alembic_config(url), "0002")
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        user_id = add_user(connection, "Keeper")
        connection.execute(text(
            "INSERT INTO images (user_id, filename, r2_key, content_type, size_bytes, public_url,"
            " created_at) VALUES (:u, 'a.png', :k, 'image/png', 10, 'http://x/a.png', :t)"),
            {"u": user_id, "k": f"{user_id}/{uuid.uuid4().hex}.png", "t": datetime.now(UTC)})
    engine.dispose()
    command.upgrade(alembic_config(url), "head")
    engine = create_engine(url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM images")).scalar_one() == 1
        assert connection.execute(text("SELECT username FROM users")).scalar_one() == "Keeper"
        (foreign_key,) = inspect(connection).get_foreign_keys("images")
        assert foreign_key["options"].get("ondelete") == "CASCADE"
    engine.dispose()
    command.downgrade(alembic_config(url), "0002")  # and back, rows intact
    engine = create_engine(url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM images")).scalar_one() == 1
    engine.dispose()
