"""What runs once at every server start, before requests are served."""

from __future__ import annotations

import asyncio
import logging

from imghost.migrations import upgrade_to_head
from imghost.settings import get_settings

log = logging.getLogger("imghost")


async def prepare_server() -> None:
    settings = get_settings()
    # Fail at start with a clear sentence, not later inside a request.
    settings.signing_secret  # noqa: B018
    await asyncio.to_thread(upgrade_to_head)
    log.info("imghost ready: database %s, storage %s", "sqlite" if settings.is_sqlite
             else "postgresql", settings.storage)
