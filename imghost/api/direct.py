"""Direct routes: liveness probes answered without FastAPI's per-request machinery.

A request that reaches a FastAPI route pays for matching it among every router we
include, a Request object, dependency solving, validating and serializing the
response model again, and a Response object: about three quarters of the CPU of
GET /api/health/live. Probes come every few seconds from every orchestrator and load
balancer, and answering them at the edge is the usual place, so this layer answers
the paths it is given itself, from inside the edge middleware: the request id, log
line, metrics, security headers and CORS are the same as for any route. (Only
liveness: endpoints that do a user's work keep FastAPI's routes, so what the bench
measures for them is what every other endpoint pays.)

The FastAPI routes stay, and stay the reference: they document the endpoints in
/api/openapi.json and answer whenever this layer is not in front of them. Each direct
route returns what its FastAPI route returns, and tests/api/test_direct_routes.py
checks that both answer byte for byte alike."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import FastAPI
from starlette.requests import Request

# scope → the JSON body of a 200 answer; an error is raised (ImghostError, ...) and
# answered by the app's exception handler for it, as when a route raises it.
Handler = Callable[[dict], Awaitable[bytes]]


@dataclass(frozen=True, slots=True)
class DocumentedRoute:
    """What scope["route"] names for a direct answer: the log line and the request
    metrics are labelled by its path, as for the FastAPI route of the same path."""

    path: str

    @property
    def path_format(self) -> str:
        return self.path


class DirectRoutes:
    def __init__(self, app, api: FastAPI, routes: dict[str, Handler]):
        self.app = app
        self.api = api
        # GET only: any other method goes on to the routes (and their 405).
        self.routes = {path: (handler, DocumentedRoute(path)) for path, handler in routes.items()}

    async def __call__(self, scope, receive, send):
        found = self.routes.get(scope["path"]) if scope["type"] == "http" else None
        if found is None or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        handler, scope["route"] = found
        try:
            body = await handler(scope)
        except Exception as error:
            answer = self._exception_handler(error)
            if answer is None:
                raise  # answered 500 by the edge middleware, as from a route
            response = await answer(Request(scope, receive), error)
            await response(scope, receive, send)
            return
        await send({"type": "http.response.start", "status": 200, "headers": [
            (b"content-length", str(len(body)).encode()), (b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": body})

    def _exception_handler(self, error: Exception):
        """The handler the app's ExceptionMiddleware would pick: the nearest class in
        the error's MRO (Exception itself is the outermost middleware's 500)."""
        for cls in type(error).__mro__:
            if cls is Exception:
                return None
            if cls in self.api.exception_handlers:
                return self.api.exception_handlers[cls]
        return None


def install_direct_routes(api: FastAPI, routes: dict[str, Handler]) -> None:
    """Install inside the edge middleware (call before install_observability)."""
    api.add_middleware(DirectRoutes, api=api, routes=routes)
