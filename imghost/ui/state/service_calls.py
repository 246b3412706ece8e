"""How the UI states run actions: through the process's runtime, off the event loop.

bcrypt, the sync database driver and boto3 all block; run on the event loop they
would stall every user connected to the worker. The runtime's runner does each
action in a worker thread, exactly as for the API.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from imghost.errors import ImghostError
from imghost.runtime import get_runtime

T = TypeVar("T")
log = logging.getLogger(__name__)
UNEXPECTED = "Something went wrong on the server; try again."


def user_message(error: Exception, action: str) -> str:
    """What to tell the user: a service's own sentence, else a generic one (and a log)."""
    if isinstance(error, ImghostError):
        return error.detail
    log.error("%s failed", action, exc_info=error)
    return UNEXPECTED


async def run(action: Callable[..., T], *args: Any) -> T:
    return await get_runtime().run(action, *args)


async def run_as(token: str, action: Callable[..., T], *args: Any) -> T:
    return await get_runtime().run_as(token, action, *args)


async def run_hashing(action: Callable[..., T], *args: Any) -> T:
    """For the actions that hash or check a password (log in, sign up)."""
    return await get_runtime().run_hashing(action, *args)


async def run_as_hashing(token: str, action: Callable[..., T], *args: Any) -> T:
    """run_as for the actions that check a password (change the password)."""
    return await get_runtime().run_as_hashing(token, action, *args)
