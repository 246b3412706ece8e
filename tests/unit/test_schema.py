"""The Alembic migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

import imghost.models  # noqa: F401


def test_migrated_schema_matches_models(configured):
    with configured.engine.connect() as connection:
        context = MigrationContext.configure(connection)
        differences = compare_metadata(context, SQLModel.metadata)
    assert differences == []


def test_keyset_index_unique_key_and_cascade(configured):
    inspector = inspect(configured.engine)
    indexes = {ix["name"]: ix["column_names"] for ix in inspector.get_indexes("images")}
    assert indexes["ix_images_user_id_id"] == ["user_id", "id"]
    uniques = [u["column_names"] for u in inspector.get_unique_constraints("images")]
    assert ["r2_key"] in uniques
    (foreign_key,) = inspector.get_foreign_keys("images")
    assert foreign_key["referred_table"] == "users"
    assert foreign_key["options"].get("ondelete") == "CASCADE"
