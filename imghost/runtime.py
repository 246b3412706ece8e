"""The runtime: everything an action needs, built once per process, and the one runner.

The API routes, the Reflex states, the CLI and startup all run actions the same way:
`runtime.run(action, *args)` (from async code: in a worker thread, one unit of work)
or `runtime.call(action, *args)` (from a thread or a command). Services never look
anything up themselves; they get a Context (services/context.py) from here.

An action that has slow work (confirm: read, strip, decode a whole file) is a
generator yielding `ctx.slow(fn, *args)`: its database parts run on the database
threads, the slow parts on the slow threads, and no pooled connection is held
in between (see _Steps).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Generator
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from imghost.core_session import CoreSession
from imghost.db import POOL_SIZE, make_engine
from imghost.models import User
from imghost.read_session import ReadSession
from imghost.services import accounts, credentials
from imghost.services.context import Context, SlowStep, is_core_only, is_read_only, utc_now
from imghost.services.hashing_threads import run_hashing
from imghost.services.metrics import Metrics
from imghost.services.processing import ThumbnailQueue
from imghost.services.processing.concurrency import set_decode_budget
from imghost.services.rate_limit import RateLimiter
from imghost.services.storage import Storage, make_storage
from imghost.services.upload_claims import make_claims
from imghost.settings import Settings, get_settings
from imghost.thread_lanes import ThreadLane

T = TypeVar("T")


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
        self.read_engine: Engine = make_engine(settings.resolved_database_url, autocommit=True)
        self.storage = storage or make_storage(settings)
        self.limiter = RateLimiter(settings)
        self.metrics = metrics or _process_metrics()
        self.clock = clock
        self.claims = make_claims(settings.resolved_database_url)
        self.thumbnails = ThumbnailQueue(self, settings.processing_workers)
        # One thread per pooled connection does database work (see db.POOL_SIZE); slow
        # steps have threads of their own (settings.confirm_workers), which bound the
        # memory whole-file checks take and never take a database thread's place.
        self.database_lane = ThreadLane(POOL_SIZE, "imghost-db")
        self.slow_lane = ThreadLane(settings.confirm_workers, "imghost-slow")
        # One more decode slot than thumbnail threads: a backlog (restart, backfill) can
        # never hold every slot, so a confirm always finds one within a job's time.
        set_decode_budget(settings.processing_workers + 1)

    def _steps(self, action: Callable[..., Any], args: tuple) -> _Steps:
        target = args[1] if action is _as_caller else action
        read_only = is_read_only(target)
        session = (ReadSession(self.read_engine) if read_only
                   else CoreSession(self.engine) if is_core_only(target)
                   else Session(self.engine, expire_on_commit=False))
        ctx = Context(session=session, storage=self.storage, settings=self.settings,
                      limiter=self.limiter, metrics=self.metrics, clock=self.clock,
                      thumbnails=self.thumbnails, claims=self.claims)
        return _Steps(ctx, action, args, read_only)

    def call(self, action: Callable[..., T], *args: Any) -> T:
        """Run action(ctx, *args) as one unit of work: committed when it returns,
        rolled back when it raises; after-commit jobs start only after the commit.
        Slow steps run right here, in this thread."""
        steps = self._steps(action, args)
        try:
            step = steps.start()
            while isinstance(step, SlowStep):
                try:
                    value = step.run()
                except Exception as error:
                    step = steps.throw(error)
                else:
                    step = steps.send(value)
        finally:
            if not steps.finished:
                steps.close()
        steps.ctx.run_after_commit()
        return step.value

    def call_as(self, token: str, action: Callable[..., T], *args: Any) -> T:
        """action(ctx, user, *args) for the user the token names, in the same unit of work."""
        return self.call(_as_caller, token, action, *args)

    async def run(self, action: Callable[..., T], *args: Any) -> T:
        """call() in worker threads, off the event loop: one thread hop per request, plus
        two per slow step (which runs on the slow lane, not on a database thread)."""
        steps = self._steps(action, args)
        database = self.database_lane
        try:
            step = await database.run(steps.start)
            while isinstance(step, SlowStep):
                try:
                    value = await self.slow_lane.run(step.run)
                except Exception as error:
                    step = await database.run(steps.throw, error)
                else:
                    step = await database.run(steps.send, value)
        finally:
            if not steps.finished:  # a cancelled request still releases
                await database.run(steps.close)
        steps.ctx.run_after_commit()
        return step.value

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
        self.database_lane.shutdown()
        self.slow_lane.shutdown()
        self.claims.close()
        self.storage.close()
        self.engine.dispose()
        self.read_engine.dispose()


class _Done:
    def __init__(self, value: Any):
        self.value = value


class _Steps:
    """One action's way through the runner. A plain action is one step; a generator
    action is resumed after each SlowStep it yields. Before a slow step the unit of work
    so far is committed, which also hands the connection back to the pool."""

    def __init__(self, ctx: Context, action: Callable[..., Any], args: tuple,
                 read_only: bool = False):
        self.ctx, self.action, self.args = ctx, action, args
        # Autocommit: each statement committed itself; the session has nothing to commit.
        self.read_only = read_only
        self.generator: Generator[SlowStep, Any, Any] | None = None
        self.finished = False  # returned or raised: the session is closed

    def start(self) -> SlowStep | _Done:
        return self._advance(lambda: self._first())

    def send(self, value: Any) -> SlowStep | _Done:
        return self._advance(lambda: self.generator.send(value))

    def throw(self, error: Exception) -> SlowStep | _Done:
        return self._advance(lambda: self.generator.throw(error))

    def _first(self) -> Any:
        result = self.action(self.ctx, *self.args)
        if not inspect.isgenerator(result):
            raise StopIteration(result)
        self.generator = result
        return next(result)

    def _advance(self, step: Callable[[], Any]) -> SlowStep | _Done:
        session = self.ctx.session
        try:
            yielded = step()
            if not isinstance(yielded, SlowStep):
                raise TypeError(f"{self.action.__name__} yielded {yielded!r}, not ctx.slow(...)")
            session.commit()
            return yielded
        except StopIteration as returned:
            self._end(_nothing if self.read_only else session.commit)
            return _Done(returned.value)
        except BaseException:
            self._end(session.rollback)
            raise

    def _end(self, finish: Callable[[], None]) -> None:
        self.finished = True
        try:
            if self.generator is not None:
                self.generator.close()  # a no-op unless a commit between steps failed
            finish()
        except BaseException:
            self.ctx.session.rollback()
            raise
        finally:
            self.ctx.session.close()

    def close(self) -> None:
        """End an action that did not finish (an error in the runner, a cancelled
        request): its finally-blocks run (claims are released), then the session closes."""
        self.finished = True
        try:
            if self.generator is not None:
                self.generator.close()
        finally:
            self.ctx.session.rollback()
            self.ctx.session.close()


def _nothing() -> None:
    pass


def _as_caller(ctx: Context, token: str, action: Callable[..., T], *args: Any) -> T:
    # The action's own mark says which API-token scope may run it (services/credentials.py).
    scope = credentials.required_scope(action)
    try:
        user: User = accounts.caller(ctx, token, scope)
    except DBAPIError as error:
        # The pooled connection died while idle (database restarted; pools are not
        # pinged per checkout, see db.py). The token check is the unit's first
        # statement, so nothing is lost by trying it once more on a fresh connection.
        if not error.connection_invalidated:
            raise
        ctx.session.rollback()
        user = accounts.caller(ctx, token, scope)
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
