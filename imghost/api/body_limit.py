"""Refuse request bodies over IMGHOST_MAX_REQUEST_BODY_BYTES with 413, before reading them.

A pure ASGI middleware (BaseHTTPMiddleware would buffer and wrap the stream). A declared
Content-Length over the limit is answered at once, unread; a chunked body is counted
as it arrives and cut off at the limit, whatever the route had started to do with it.
The local file PUT (/api/files/...) is exempt: its signed Content-Length bounds it; so
is the one-request upload (POST /api/images), which caps its body at the upload size
limit itself (api/client_uploads.py).
"""

from __future__ import annotations

import json

from imghost.settings import Settings

EXEMPT_PREFIXES = ("/api/files/",)
EXEMPT_UPLOADS = ("/api/images", "/api/images/")


class BodyTooLarge(Exception):
    """Raised from receive() once a streamed body passes the limit."""


def _too_large_body(limit: int) -> bytes:
    return json.dumps({"detail": f"The request body is larger than {limit} bytes.",
                       "code": "payload_too_large"}).encode()


def _declared_length(scope: dict) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


def _has_no_body(scope: dict) -> bool:
    """HTTP/1.x framing: without Content-Length or Transfer-Encoding there is no body
    (most GETs), so there is nothing to count. HTTP/2 frames bodies on its own."""
    return scope.get("http_version") in ("1.0", "1.1") and not any(
        name in (b"content-length", b"transfer-encoding") for name, _ in scope.get("headers", ()))


class BodyLimitMiddleware:
    def __init__(self, app, limit: int):
        self.app = app
        self.limit = limit

    async def _refuse(self, send) -> None:
        body = _too_large_body(self.limit)
        await send({"type": "http.response.start", "status": 413, "headers": [
            (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
            # The unread rest of the body is still on the wire: this connection is done.
            (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope, receive, send):
        path = scope.get("path", "")
        if (scope["type"] != "http" or path.startswith(EXEMPT_PREFIXES)
                or (path in EXEMPT_UPLOADS and scope.get("method") == "POST")
                or _has_no_body(scope)):
            await self.app(scope, receive, send)
            return
        declared = _declared_length(scope)
        if declared is not None and declared > self.limit:
            await self._refuse(send)
            return

        state = {"received": 0, "over": False, "started": False}

        async def counted_receive():
            message = await receive()
            if message["type"] == "http.request":
                state["received"] += len(message.get("body", b""))
                if state["received"] > self.limit:
                    state["over"] = True
                    raise BodyTooLarge
            return message

        async def guarded_send(message):
            if state["over"]:
                return  # whatever the route made of the cut-off body; ours goes out instead
            if message["type"] == "http.response.start":
                state["started"] = True
            await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except BodyTooLarge:
            pass
        except Exception:
            if not state["over"]:
                raise
        if state["over"] and not state["started"]:
            await self._refuse(send)


def install_body_limit(api, settings: Settings) -> None:
    api.add_middleware(BodyLimitMiddleware, limit=settings.max_request_body_bytes)
