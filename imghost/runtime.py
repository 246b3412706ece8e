"""The runtime: everything an action needs, built once per process, and the one runner.

The API routes, the Reflex states, the CLI and startup all run actions the same way:
`runtime.run(action, *args)` (from async code: in a worker thread, one unit of work)
or `runtime.call(action, *args)` (from a thread or a command). Services never look
anything up themselves; they get a Context (services/context.py) from here.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import anyio.to_thread
from anyio import CapacityLimiter
from anyio.lowlevel import RunVar
from sqlalchemy.engine import Engine
from sqlmodel import Session

from imghost.db import POOL_SIZE, make_engine
from imghost.models import User
from imghost.services import accounts, credentials
from imghost.services.context import Context, utc_now
from imghost.services.hashing_threads import run_hashing
from imghost.services.metrics import Metrics
from imghost.services.processing import ThumbnailQueue
from imghost.services.processing.concurrency import set_decode_budget
from imghost.services.rate_limit import RateLimiter
from imghost.services.storage import Storage, make_storage
from imghost.settings import Settings, get_settings

T = TypeVar("T")

# One limiter per event loop, as anyio's own default thread limiter.
_database_threads: RunVar[CapacityLimiter] = RunVar("imghost_database_threads")


def database_threads() -> CapacityLimiter:
    """At most one thread per pooled connection does database work (see db.POOL_SIZE);
    other callers wait on the event loop, which costs nothing, instead of in threads
    that fight for the GIL and for connections."""
    try:
        return _database_threads.get()
    except LookupError:
        limiter = CapacityLimiter(POOL_SIZE)
        _database_threads.set(limiter)
        return limiter


@functools.cache
def _process_metrics() -> Metrics:
    return Metrics()  # Prometheus' default registry, which GET /api/metrics serves


class Runtime:
    def __init__(self, settings: Settings, *, metrics: Metrics | None = None,
                 clock: Callable[[], datetime] = utc_now, storage: Storage | None = None):
        self.settings = settings
        if settings.is_sqlite:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.engine: Engine = make_engine(settings.resolved_database_url)
        self.storage = storage or make_storage(settings)
        self.limiter = RateLimiter(settings)
        self.metrics = metrics or _process_metrics()
        self.clock = clock
        self.thumbnails = ThumbnailQueue(self, settings.processing_workers)
        # One more decode slot than thumbnail threads: a backlog (restart, backfill) can
        # never hold every slot, so a confirm always finds one within a job's time.
        set_decode_budget(settings.processing_workers + 1)

    def call(self, action: Callable[..., T], *args: Any) -> T:
        """Run action(ctx, *args) as one unit of work: committed when it returns,
        rolled back when it raises; after-commit jobs start only after the commit."""
        with Session(self.engine, expire_on_commit=False) as session:
            ctx = Context(session=session, storage=self.storage, settings=self.settings,
                          limiter=self.limiter, metrics=self.metrics, clock=self.clock,
                          thumbnails=self.thumbnails)
            try:
                result = action(ctx, *args)
                session.commit()
            except BaseException:
                session.rollback()
                raise
        ctx.run_after_commit()
        return result

    def call_as(self, token: str, action: Callable[..., T], *args: Any) -> T:
        """action(ctx, user, *args) for the user the token names, in the same unit of work."""
        return self.call(_as_caller, token, action, *args)

    async def run(self, action: Callable[..., T], *args: Any) -> T:
        """call() in a worker thread, off the event loop: one thread hop per request."""
        return await anyio.to_thread.run_sync(self.call, action, *args,
                                              limiter=database_threads())

    async def run_as(self, token: str, action: Callable[..., T], *args: Any) -> T:
        return await self.run(_as_caller, token, action, *args)

    async def run_hashing(self, action: Callable[..., T], *args: Any) -> T:
        """call() on the few low-priority bcrypt threads (log in, sign up)."""
        return await run_hashing(self.call, action, *args)

    async def run_as_hashing(self, token: str, action: Callable[..., T], *args: Any) -> T:
        """run_as() on the bcrypt threads (change the password)."""
        return await run_hashing(self.call, _as_caller, token, action, *args)

    def close(self) -> None:
        self.thumbnails.shutdown()
        self.engine.dispose()


def _as_caller(ctx: Context, token: str, action: Callable[..., T], *args: Any) -> T:
    # The action's own mark says which API-token scope may run it (services/credentials.py).
    user: User = accounts.caller(ctx, token, credentials.required_scope(action))
    return action(ctx, user, *args)


@functools.lru_cache(maxsize=1)
def get_runtime() -> Runtime:
    """The process's runtime, from the IMGHOST_* environment (the edges use this)."""
    return Runtime(get_settings())


def reset_runtime() -> None:
    """Forget the process's runtime (tests that change the environment)."""
    if get_runtime.cache_info().currsize:
        get_runtime().close()
    get_runtime.cache_clear()
    get_settings.cache_clear()
