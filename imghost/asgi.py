"""The ASGI app granian serves (`granian --factory imghost.asgi:app`): the API answers
as soon as the worker has started, while Reflex's pages are still being built.

Building Reflex's app (importing Reflex, the UI's states and pages) is most of a
worker's start, and the API needs none of it. So:
- the lifespan runs imghost's start (startup.prepare_server: database, migrations,
  sweeps) before any request, as before, then builds the pages in a thread;
- /api, /i and /a go straight to the FastAPI app, past Reflex's wrapper (its lifespan,
  context middleware, CORS, mount);
- pages, assets and the event websocket wait for the build, then take the way they
  always took: Reflex's wrapper → the FastAPI app (security headers, the log line) →
  Reflex's routes. Reflex's own lifespan (its event processor) starts once it is built.
`reflex run` serves the same parts through Reflex's own app (imghost.imghost).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import signal
from contextlib import asynccontextmanager, suppress

from starlette.routing import Router

log = logging.getLogger("imghost")

# Served by the FastAPI app (imghost/api); everything else is Reflex's.
API_PREFIXES = ("/api/", "/i/", "/a/")


class Lifespan:
    """Drives an ASGI app's lifespan the way a server does: startup now, shutdown later."""

    def __init__(self, app):
        self.app = app
        self._messages: asyncio.Queue = asyncio.Queue()
        self._replies: asyncio.Queue = asyncio.Queue()
        self._task: asyncio.Task | None = None

    async def startup(self) -> None:
        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"},
                 "state": {}}
        self._task = asyncio.create_task(self.app(scope, self._messages.get, self._replies.put))
        await self._step("startup")

    async def shutdown(self) -> None:
        await self._step("shutdown")
        await self._task

    async def _step(self, phase: str) -> None:
        await self._messages.put({"type": f"lifespan.{phase}"})
        reply = asyncio.ensure_future(self._replies.get())
        await asyncio.wait({reply, self._task}, return_when=asyncio.FIRST_COMPLETED)
        if not reply.done():  # the app ended without answering: its error, if any
            reply.cancel()
            self._task.result()
            raise RuntimeError(f"the pages' lifespan ended during {phase}")
        if reply.result()["type"] != f"lifespan.{phase}.complete":
            with suppress(Exception):  # Starlette raises after it reports: the report says it
                await self._task
            raise RuntimeError(reply.result().get("message") or f"lifespan {phase} failed")


class Pages:
    """Reflex's app, built in a thread once the server has started."""

    def __init__(self, api):
        self.api = api
        self._routes = None  # Reflex's own (frontend, event websocket), after the API's
        self._built: asyncio.Future | None = None
        self._stopping = asyncio.Event()
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._built = asyncio.get_running_loop().create_future()
        self._task = asyncio.create_task(self._serve(), name="imghost-pages")

    async def app(self):
        """Reflex's app once it is built and its lifespan has started."""
        return await asyncio.shield(self._built)

    async def after_api(self, scope, receive, send) -> None:
        """What the API app's routes do not answer goes on to Reflex's (mounted last)."""
        await self.app()
        await self._routes(scope, receive, send)

    def _mount(self, reflex_routes):
        """Reflex's api_transformer: it hands over its routes and wraps what it gets back."""
        self._routes = reflex_routes
        return self.api

    def _build(self):
        from imghost.ui.app import create_app

        return create_app(self._mount)()

    async def _serve(self) -> None:
        try:
            pages = await asyncio.to_thread(self._build)
            gc.freeze()  # as the factory does: Reflex's app lives as long as the worker
            lifespan = Lifespan(pages)
            await lifespan.startup()
        except asyncio.CancelledError:
            self._built.cancel()
            raise
        except BaseException as error:  # SystemExit too: page requests must not wait forever
            self._built.set_exception(RuntimeError("the pages could not be built"))
            self._built.exception()  # retrieved: page requests re-raise it
            # As when a worker fails to start: granian replaces it (or stops, without
            # --respawn-failed-workers) rather than serve the API without its pages.
            log.critical("the pages could not be built; stopping this worker", exc_info=error)
            os.kill(os.getpid(), signal.SIGTERM)
            return
        self._built.set_result(pages)
        try:
            await self._stopping.wait()
        finally:
            await lifespan.shutdown()

    async def stop(self) -> None:
        if self._task is None:
            return
        if not self._built.done():  # still building: stop waiting (the thread ends on its own)
            self._task.cancel()
        self._stopping.set()
        with suppress(asyncio.CancelledError):
            await self._task


class ApiFirst:
    # How long the start waits for its first readiness check (a store that does not
    # answer takes boto3 its timeouts; the check then goes on alone).
    FIRST_CHECK_WAIT = 1.0

    def __init__(self, api, pages: Pages, prepare_server, first_check=None):
        self.api = api
        self.pages = pages
        self.prepare_server = prepare_server
        self.first_check = first_check
        self._lifespan = Router(lifespan=self._serving).lifespan

    @asynccontextmanager
    async def _serving(self, _app):
        async with self.prepare_server():  # before any request: no request meets an old schema
            if self.first_check is not None:
                # The first readiness check runs before the pages' build, which would
                # hold the GIL for most of its time: a probe already waiting (a load
                # balancer, a deploy script) gets its answer at once, younger than
                # the checks' usual reuse window (api/health.py).
                check = asyncio.ensure_future(self.first_check())
                await asyncio.wait({check}, timeout=self.FIRST_CHECK_WAIT)
            self.pages.start()
            try:
                yield
            finally:
                await self.pages.stop()

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["path"].startswith(API_PREFIXES):
            await self.api(scope, receive, send)
        elif scope["type"] == "lifespan":
            await self._lifespan(scope, receive, send)
        else:
            await (await self.pages.app())(scope, receive, send)


GC_YOUNG_THRESHOLD = 7_000


def app() -> ApiFirst:
    """granian --factory imghost.asgi:app"""
    # A start makes some hundred thousand objects that live as long as the worker, and
    # the cyclic collector would walk them over and over meanwhile: it is off while the
    # API is imported (hence the imports here) and built, and what was made is then
    # frozen out of its way for good.
    gc.disable()
    try:
        from imghost.api import create_api
        from imghost.api.cors import OriginCORSMiddleware
        from imghost.api.health import readiness
        from imghost.settings import get_settings
        from imghost.startup import prepare_server

        api = create_api()
        pages = Pages(api)
        # What Reflex adds to an api_transformer app it is given (as imghost.imghost
        # does), here before the first request: its CORS, with the origins rxconfig
        # gives it (in the form that skips the work for requests without an Origin),
        # and its routes after the API's.
        api.add_middleware(OriginCORSMiddleware, allow_credentials=True, allow_methods=["*"],
                           allow_headers=["*"], allow_origins=get_settings().origins)
        api.mount("", pages.after_api)
    finally:
        gc.freeze()
        # A request holds its containers until it answers (a list page: ~250 per page
        # of 50, models, their dicts and field sets, rows), and some dozen requests are
        # in flight: the default 700 net allocations started a young collection every
        # ~17 list pages, each walking every in-flight request's objects (~2 ms), only
        # to promote them. Ten times that leaves young collections to real garbage.
        gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])
        gc.enable()
    return ApiFirst(api, pages, prepare_server, readiness.result)
