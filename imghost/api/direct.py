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
/api/openapi.json and answer whenever this layer is not in front of them. A direct
answer is the fixed body its FastAPI route returns (a probe's answer depends on no
input and cannot fail), and tests/api/test_direct_routes.py checks that both answer
byte for byte alike."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI


@dataclass(frozen=True, slots=True)
class DocumentedRoute:
    """What scope["route"] names for a direct answer: the log line and the request
    metrics are labelled by its path, as for the FastAPI route of the same path."""

    path: str

    @property
    def path_format(self) -> str:
        return self.path


class DirectRoutes:
    def __init__(self, app, answers: dict[str, bytes]):
        self.app = app
        # GET only: any other method goes on to the routes (and their 405).
        self.answers = {path: (DocumentedRoute(path), [
            (b"content-length", str(len(body)).encode()), (b"content-type", b"application/json")
        ], body) for path, body in answers.items()}

    async def __call__(self, scope, receive, send):
        found = self.answers.get(scope["path"]) if scope["type"] == "http" else None
        if found is None or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        scope["route"], headers, body = found
        # A copy: middleware outside (CORS) may add headers to the list in place.
        await send({"type": "http.response.start", "status": 200, "headers": list(headers)})
        await send({"type": "http.response.body", "body": body})


def install_direct_routes(api: FastAPI, answers: dict[str, bytes]) -> None:
    """`answers`: path → the JSON body of its GET's 200. Install inside the edge
    middleware (call before install_observability)."""
    api.add_middleware(DirectRoutes, answers=answers)
