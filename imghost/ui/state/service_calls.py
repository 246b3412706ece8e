"""Blocking service calls for the UI states, each run off the event loop.

bcrypt, the sync database driver and boto3 all block; run on the event loop they
would stall every user connected to the worker. Each call opens its own session.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from imghost.db import session_scope
from imghost.errors import ImghostError
from imghost.services.hashing_threads import run_hashing
from imghost.services.storage import get_storage

T = TypeVar("T")
log = logging.getLogger(__name__)
UNEXPECTED = "Something went wrong on the server; try again."


def user_message(error: Exception, action: str) -> str:
    """What to tell the user: a service's own sentence, else a generic one (and a log)."""
    if isinstance(error, ImghostError):
        return error.detail
    log.error("%s failed", action, exc_info=error)
    return UNEXPECTED


def _run_in_session(service: Callable[..., T], *args: Any) -> T:
    with session_scope() as session:
        return service(session, *args)


def _run_with_storage(service: Callable[..., T], *args: Any) -> T:
    with session_scope() as session:
        return service(session, get_storage(), *args)


async def in_session(service: Callable[..., T], *args: Any) -> T:
    """service(session, *args) in a worker thread, committed when it returns."""
    return await asyncio.to_thread(_run_in_session, service, *args)


async def hashing_in_session(service: Callable[..., T], *args: Any) -> T:
    """Like in_session, for services that hash or check a password: on the API's few
    low-priority bcrypt threads, so a burst of logins cannot starve the server."""
    return await run_hashing(_run_in_session, service, *args)


async def with_storage(service: Callable[..., T], *args: Any) -> T:
    """service(session, storage, *args) in a worker thread (the images services)."""
    return await asyncio.to_thread(_run_with_storage, service, *args)
