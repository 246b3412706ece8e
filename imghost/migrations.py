"""Runs Alembic programmatically so the app and the CLI upgrade the schema the same way."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config

from alembic import command
from imghost.settings import get_settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def alembic_config(database_url: str | None = None) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    url = database_url or get_settings().resolved_database_url
    # ConfigParser interpolation would choke on '%' in passwords.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade_to_head(database_url: str | None = None) -> None:
    settings = get_settings()
    if settings.is_sqlite and database_url is None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(database_url), "head")
