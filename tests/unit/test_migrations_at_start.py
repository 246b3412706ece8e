"""A start on a schema already at head asks the database one question and leaves Alembic
alone; anything else (a new database, one revision behind) goes through Alembic."""

from __future__ import annotations

from collections.abc import Iterator

import alembic.command
import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text

from imghost import migrations
from tests.support.postgres import throwaway_database


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'start.db'}"
    else:
        with throwaway_database() as url:
            yield url


@pytest.fixture
def alembic_runs(monkeypatch) -> list[str]:
    """The revisions Alembic was asked to upgrade to (it still does the work)."""
    runs: list[str] = []
    upgrade = alembic.command.upgrade

    def counted(config, revision, *args, **kwargs):
        runs.append(revision)
        return upgrade(config, revision, *args, **kwargs)

    monkeypatch.setattr(alembic.command, "upgrade", counted)
    return runs


def test_the_head_read_from_the_scripts_is_alembics():
    scripts = ScriptDirectory.from_config(migrations.alembic_config("sqlite://"))
    assert migrations.head_revision() == scripts.get_current_head()


def test_a_schema_at_head_is_left_alone(database_url, alembic_runs):
    engine = create_engine(database_url)
    assert not migrations.is_at_head(engine)  # a new database: no alembic_version yet
    migrations.upgrade_to_head(database_url, engine)
    assert alembic_runs == ["head"]
    assert migrations.is_at_head(engine)
    migrations.upgrade_to_head(database_url, engine)
    assert alembic_runs == ["head"]
    engine.dispose()


def test_a_schema_behind_is_upgraded(database_url, alembic_runs):
    config = migrations.alembic_config(database_url)
    head = ScriptDirectory.from_config(config).get_current_head()
    previous = ScriptDirectory.from_config(config).get_revision(head).down_revision
    alembic.command.upgrade(config, previous)
    engine = create_engine(database_url)
    assert not migrations.is_at_head(engine)
    migrations.upgrade_to_head(database_url, engine)
    assert alembic_runs == [previous, "head"]
    with engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == head
    engine.dispose()
