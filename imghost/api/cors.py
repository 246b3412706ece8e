"""Reflex's CORS middleware, made cheap for the requests that carry no Origin.

Reflex wraps the API app in Starlette's CORSMiddleware. That one wraps `send` for every
request and parses all headers twice, although without an Origin header (same-origin
pages, scripts, screenshot tools) all it does is add `Vary: Origin`. This subclass does
exactly that for those requests and leaves cross-origin ones to Starlette.
"""

from __future__ import annotations

from starlette.middleware.cors import CORSMiddleware


def _has_origin(scope) -> bool:
    return any(name == b"origin" for name, _ in scope["headers"])


def _vary_origin(headers) -> list:
    """The response headers with Origin added to Vary, as Starlette's CORS adds it."""
    merged = []
    varied = False
    for name, value in headers:
        if name.lower() == b"vary" and not varied:
            value, varied = value + b", Origin", True
        merged.append((name, value))
    if not varied:
        merged.append((b"vary", b"Origin"))
    return merged


class OriginCORSMiddleware(CORSMiddleware):
    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or _has_origin(scope):
            await super().__call__(scope, receive, send)
            return

        async def send_varied(message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": _vary_origin(message.get("headers", ()))}
            await send(message)

        await self.app(scope, receive, send_varied)
