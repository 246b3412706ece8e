"""Blocking service calls for the UI states, each run in a worker thread.

bcrypt, the sync database driver and boto3 all block; run on the event loop they
would stall every user connected to the worker. Each call opens its own session.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from imghost.db import session_scope
from imghost.services.storage import get_storage

T = TypeVar("T")


async def in_session(service: Callable[..., T], *args: Any) -> T:
    """service(session, *args) off the event loop, committed when it returns."""

    def work() -> T:
        with session_scope() as session:
            return service(session, *args)

    return await asyncio.to_thread(work)


async def with_storage(service: Callable[..., T], *args: Any) -> T:
    """service(session, storage, *args) off the event loop (the images services)."""

    def work() -> T:
        with session_scope() as session:
            return service(session, get_storage(), *args)

    return await asyncio.to_thread(work)
