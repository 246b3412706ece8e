"""What runs at every server start, and the app's periodic housekeeping."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from sqlalchemy import text

from imghost.migrations import upgrade_to_head
from imghost.settings import ConfigError, get_settings

log = logging.getLogger("imghost")


def wait_for_database(timeout: float, interval: float = 2.0) -> None:
    """Containers often start before their database: wait, then fail with one sentence."""
    from sqlalchemy.exc import OperationalError

    from imghost.db import get_engine

    deadline = time.monotonic() + timeout
    while True:
        try:
            with get_engine().connect() as connection:
                connection.execute(text("SELECT 1"))
            return
        except OperationalError as error:
            reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
            if time.monotonic() >= deadline:
                raise ConfigError(
                    f"imghost could not reach the database for {timeout:.0f} s ({reason}); "
                    "check IMGHOST_DATABASE_URL and that the server is running.") from None
            log.warning("database not reachable yet (%s); retrying in %.0f s", reason, interval)
            time.sleep(interval)


def sweep_once():
    """One sweep with the app's own settings, database and storage."""
    from imghost.db import session_scope
    from imghost.services.storage import get_storage
    from imghost.services.sweep import sweep_expired_grants

    with session_scope() as session:
        return sweep_expired_grants(session, get_storage(), get_settings().sweep_grace_seconds)


async def sweep_periodically(interval: float) -> None:
    from imghost.api.metrics import SWEEP_FAILURES, SWEPT

    while True:
        await asyncio.sleep(interval)
        try:
            result = await asyncio.to_thread(sweep_once)
        except Exception:  # a database or storage outage must not end the loop
            SWEEP_FAILURES.inc()
            log.warning("periodic sweep failed; retrying in %s s", interval, exc_info=True)
            continue
        SWEPT.inc(result.deleted)
        SWEEP_FAILURES.inc(len(result.failed_keys))


def _resume_thumbnails() -> None:
    """Queue images a crash or restart left without thumbnails (runs in the background)."""
    from imghost.services.processing import resume_pending

    try:
        resume_pending()
    except Exception:  # never stop the server from starting; backfill-thumbnails remains
        log.warning("could not queue unfinished thumbnails", exc_info=True)


@asynccontextmanager
async def prepare_server() -> AsyncIterator[None]:
    """Reflex enters this before serving (so no request meets an old schema) and
    leaves it at shutdown."""
    settings = get_settings()
    # Fail at start with a clear sentence, not later inside a request.
    settings.signing_secret  # noqa: B018
    await asyncio.to_thread(wait_for_database, settings.database_wait_seconds)
    # Several workers may start at once: alembic/env.py serialises them with a
    # PostgreSQL advisory lock inside the migration transaction.
    await asyncio.to_thread(upgrade_to_head)
    log.info("imghost ready: database %s, storage %s", "sqlite" if settings.is_sqlite
             else "postgresql", settings.storage)
    # Image pipeline: images a crash or restart left without thumbnails are queued again.
    await asyncio.to_thread(_resume_thumbnails)
    sweeper = None
    if settings.sweep_interval_seconds:
        sweeper = asyncio.create_task(sweep_periodically(settings.sweep_interval_seconds),
                                      name="imghost-sweep")
    try:
        yield
    finally:
        if sweeper is not None:
            sweeper.cancel()
            with suppress(asyncio.CancelledError):
                await sweeper
