"""Runs Alembic programmatically so the app and the CLI upgrade the schema the same way.

A start nearly always finds the schema at head already: then one query for the
database's revision, against the newest migration script's, spares building Alembic's
environment (its imports, every script) for nothing.
"""

from __future__ import annotations

import logging.config
import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.exc import DBAPIError

from imghost.settings import get_settings

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.engine import Engine

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ALEMBIC_INI = PROJECT_ROOT / "alembic.ini"
VERSIONS = PROJECT_ROOT / "alembic" / "versions"

# `revision = "0008_gallery_search"`, `down_revision: str | None = None` (Alembic's templates).
_REVISION = re.compile(r"^revision(?::[^=\n]*)?\s*=\s*['\"]([^'\"\n]+)['\"]\s*$", re.M)
_DOWN_REVISION = re.compile(
    r"^down_revision(?::[^=\n]*)?\s*=\s*(?:None|['\"]([^'\"\n]+)['\"])\s*$", re.M)


def alembic_config(database_url: str | None = None) -> Config:
    from alembic.config import Config

    config = Config(str(ALEMBIC_INI))
    config.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    url = database_url or get_settings().resolved_database_url
    # ConfigParser interpolation would choke on '%' in passwords.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str | None:
    """The newest migration's revision, read from the scripts' text; None when the
    history is anything but one plain chain (then Alembic itself decides)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in VERSIONS.glob("*.py"):
        text = script.read_text(encoding="utf-8")
        revision, parent = _REVISION.findall(text), _DOWN_REVISION.findall(text)
        if len(revision) != 1 or len(parent) != 1:
            return None
        revisions.add(revision[0])
        if parent[0]:
            parents.add(parent[0])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 and parents <= revisions else None


def is_at_head(engine: Engine) -> bool:
    head = head_revision()
    if head is None:
        return False
    try:
        with engine.connect() as connection:
            found = {row[0] for row in connection.exec_driver_sql(
                "SELECT version_num FROM alembic_version")}
    except DBAPIError:  # no alembic_version table: a new database
        return False
    return found == {head}


def upgrade_to_head(database_url: str | None = None, engine: Engine | None = None) -> None:
    """engine (on the same database), when given, answers whether anything is to do."""
    settings = get_settings()
    if settings.is_sqlite and database_url is None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    if engine is not None and is_at_head(engine):
        # The logging alembic/env.py sets up when it runs, so a start logs the same
        # way whether or not it migrated.
        logging.config.fileConfig(ALEMBIC_INI, disable_existing_loggers=False)
        return
    from alembic import command

    command.upgrade(alembic_config(database_url), "head")
