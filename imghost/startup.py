"""What runs at every server start, and the app's periodic housekeeping."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from sqlalchemy import text

from imghost.migrations import upgrade_to_head
from imghost.runtime import Runtime, get_runtime
from imghost.settings import ConfigError

log = logging.getLogger("imghost")


def wait_for_database(runtime: Runtime, timeout: float, interval: float = 2.0) -> None:
    """Containers often start before their database: wait, then fail with one sentence."""
    from sqlalchemy.exc import OperationalError

    deadline = time.monotonic() + timeout
    while True:
        try:
            with runtime.engine.connect() as connection:
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


async def sweep_periodically(runtime: Runtime, interval: float, sweep=None) -> None:
    from imghost.services.sweep import sweep_expired_grants

    sweep = sweep or sweep_expired_grants
    while True:
        await asyncio.sleep(interval)
        try:
            await runtime.run(sweep)
        except Exception:  # a database or storage outage must not end the loop
            runtime.metrics.sweep_failed()
            log.warning("periodic sweep failed; retrying in %s s", interval, exc_info=True)


async def reconcile_periodically(runtime: Runtime, interval: float) -> None:
    from imghost.services.reconcile import reconcile_storage

    while True:
        await asyncio.sleep(interval)
        try:
            await runtime.run(reconcile_storage)
        except Exception:  # a database or storage outage must not end the loop
            runtime.metrics.sweep_failed()
            log.warning("storage reconcile failed; retrying in %s s", interval, exc_info=True)


def _queue_due_thumbnails(runtime: Runtime) -> None:
    """Queue thumbnail jobs no worker holds: left by a crash or a restart, or failed and
    due for a retry. Never raises: an outage only delays them to the next look."""
    try:
        runtime.thumbnails.queue_due()
    except Exception as error:
        log.warning("could not look for unfinished thumbnails (%s)", error.__class__.__name__)


async def retry_thumbnails_periodically(runtime: Runtime, interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        await asyncio.to_thread(_queue_due_thumbnails, runtime)


@asynccontextmanager
async def prepare_server() -> AsyncIterator[None]:
    """Reflex enters this before serving (so no request meets an old schema) and
    leaves it at shutdown."""
    runtime = get_runtime()
    settings = runtime.settings
    # Fail at start with a clear sentence, not later inside a request.
    settings.signing_secret  # noqa: B018
    # The store's client (boto3's: ~0.2 s of CPU) is built in a thread while the
    # database is waited for and checked: the first request finds it ready, and the
    # pages' build, which starts next, does not compete with it.
    storage_ready = asyncio.create_task(asyncio.to_thread(runtime.storage.prepare))
    try:
        await asyncio.to_thread(wait_for_database, runtime, settings.database_wait_seconds)
        # Several workers may start at once: alembic/env.py serialises them with a
        # PostgreSQL advisory lock inside the migration transaction.
        await asyncio.to_thread(upgrade_to_head, settings.resolved_database_url,
                                runtime.engine)
    finally:
        await storage_ready
    log.info("imghost ready: database %s, storage %s", "sqlite" if settings.is_sqlite
             else "postgresql", settings.storage)
    # Image pipeline: images a crash or restart left without thumbnails are queued again.
    await asyncio.to_thread(_queue_due_thumbnails, runtime)
    from imghost.services.sweep import sweep_expired_grants, sweep_expired_images

    loops = []
    if settings.thumbnail_poll_seconds:
        loops.append(asyncio.create_task(retry_thumbnails_periodically(
            runtime, settings.thumbnail_poll_seconds), name="imghost-thumbnail-retries"))
    # Expired images have an interval of their own: their bytes go within a minute,
    # while abandoned uploads can wait for the (longer) grant sweep.
    for interval, sweep, name in (
            (settings.sweep_interval_seconds, sweep_expired_grants, "imghost-sweep"),
            (settings.expiry_sweep_interval_seconds, sweep_expired_images, "imghost-expiry")):
        if interval:
            loops.append(asyncio.create_task(sweep_periodically(runtime, interval, sweep),
                                             name=name))
    if settings.reconcile_interval_seconds:
        loops.append(asyncio.create_task(reconcile_periodically(
            runtime, settings.reconcile_interval_seconds), name="imghost-reconcile"))
    try:
        yield
    finally:
        for loop in loops:
            loop.cancel()
        for loop in loops:
            with suppress(asyncio.CancelledError):
                await loop
