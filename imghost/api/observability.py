"""Request ids, access lines, request metrics and security headers, as one ASGI middleware.

It wraps the FastAPI app, which Reflex mounts as the outermost app, so it sees the
API, the pages and the event websocket alike. Every HTTP response carries
X-Request-ID (the caller's, if it sent a sane one) and the security headers
(api/security.py), and every log line written while handling the request names it
(api/log_format.py formats our lines; api/access_lines.py writes the access line).
One layer rather than one per concern: each layer wraps `send` once more per request.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import re
import secrets
import time

from imghost.api import metrics
from imghost.api.access_lines import access_log, access_record, direct_handler, write_access_line
from imghost.api.log_format import REQUEST_ID, configure_logging
from imghost.api.security import SecurityHeaders
from imghost.settings import Settings

_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
# Bodies worth reading for metrics: small JSON errors and the confirm outcome.
_CAPTURE_LIMIT = 4096
# Reflex's own endpoints; everything else that is not an API route is the frontend.
_REFLEX_PREFIXES = ("/_event", "/_upload", "/ping", "/_health", "/_all_routes")
error_log = logging.getLogger("imghost.api")
INTERNAL_ERROR = json.dumps({"detail": "Something went wrong on the server.",
                             "code": "internal_error"}).encode()


def route_template(scope: dict) -> str:
    route = scope.get("route")
    if route is not None and getattr(route, "path", None):
        # path_format: "/api/images/{image_id}", without the path's convertor.
        return getattr(route, "path_format", None) or route.path
    path = scope.get("path", "")
    for prefix in _REFLEX_PREFIXES:
        if path.startswith(prefix):
            return prefix
    if path.startswith("/api/"):
        return "/api/{unmatched}"
    return "frontend"


class _RequestIds:
    """32 hex characters: a random per-process prefix and a counter. Unique across
    workers and restarts like uuid4, without a getrandom() call per request."""

    def __init__(self):
        self.pid = None

    def next(self) -> str:
        if self.pid != os.getpid():  # a forked worker must not repeat its parent's ids
            self.pid, self.prefix, self.counter = os.getpid(), secrets.token_hex(8), itertools.count()
        return f"{self.prefix}{next(self.counter):016x}"


_request_ids = _RequestIds()


def _request_id(scope: dict) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            candidate = value.decode("latin-1")
            if _SANE_ID.fullmatch(candidate):
                return candidate
            break
    return _request_ids.next()


def _client(scope: dict) -> str:
    client = scope.get("client")
    return client[0] if client else "-"


class ObservabilityMiddleware:
    def __init__(self, app, security: SecurityHeaders):
        self.app = app
        self.security = security

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        token = REQUEST_ID.set(request_id)
        started = time.perf_counter()
        state = {"status": 500, "json": False, "body": bytearray(), "started": False}

        async def send_with_id(message):
            if message["type"] == "http.response.start":
                state["status"], state["started"] = message["status"], True
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                self.security.add_to(scope["path"], headers)
                message = {**message, "headers": headers}
                state["json"] = any(k == b"content-type" and v.startswith(b"application/json")
                                    for k, v in headers)
            elif (message["type"] == "http.response.body" and state["json"]
                  and state["status"] >= 400 and len(state["body"]) < _CAPTURE_LIMIT):
                state["body"] += message.get("body", b"")[:_CAPTURE_LIMIT]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            if state["started"]:
                raise
            # Answered here rather than by the outer error middleware, so even a 500
            # carries its X-Request-ID and its traceback is logged under that id.
            error_log.exception("unhandled error")
            state["status"] = 500
            await send_with_id({"type": "http.response.start", "status": 500,
                                "headers": [(b"content-type", b"application/json")]})
            await send_with_id({"type": "http.response.body", "body": INTERNAL_ERROR})
        finally:
            self._record(scope, state, time.perf_counter() - started)
            REQUEST_ID.reset(token)

    @staticmethod
    def _record(scope: dict, state: dict, seconds: float) -> None:
        route, status, method = route_template(scope), state["status"], scope.get("method", "")
        body = None
        if state["body"]:
            try:
                body = json.loads(bytes(state["body"]))
            except ValueError:
                body = None
        code = body.get("code") if isinstance(body, dict) else None
        try:
            metrics.record_request(method, route, status, seconds)
            metrics.record_dependency_errors(status, code, body if isinstance(body, dict) else None)
        except Exception:  # metrics must never turn a served request into an error
            access_log.exception("recording metrics failed")
        level = logging.DEBUG if route in ("/api/health/live", "/api/metrics") else logging.INFO
        if access_log.isEnabledFor(level):
            path = scope.get("path", "")
            fields = {"method": method, "path": path, "route": route, "status": status,
                      "duration_ms": round(seconds * 1000, 2), "client": _client(scope)}
            if code:
                fields["code"] = code
            handler = direct_handler(level)
            if handler is not None:
                write_access_line(handler, level, (method, path, status), fields)
                return
            # makeRecord + handle is what log() does, less finding the caller's source
            # line by walking the stack: every access line comes from here anyway.
            access_log.handle(access_record(level, (method, path, status), fields))


def install_observability(api, settings: Settings, security: SecurityHeaders) -> None:
    configure_logging(settings)
    api.add_middleware(ObservabilityMiddleware, security=security)
