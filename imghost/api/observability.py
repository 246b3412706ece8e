"""Request ids, JSON logs, request metrics and security headers, as one ASGI middleware.

It wraps the FastAPI app, which Reflex mounts as the outermost app, so it sees the
API, the pages and the event websocket alike. Every HTTP response carries
X-Request-ID (the caller's, if it sent a sane one) and the security headers
(api/security.py), and every log line written while handling the request names it.
One layer rather than one per concern: each layer wraps `send` once more per request.
"""

from __future__ import annotations

import asyncio
import atexit
import contextvars
import itertools
import json
import logging
import math
import os
import re
import secrets
import sys
import threading
import time
from datetime import UTC, datetime

from imghost.api import metrics
from imghost.api.security import SecurityHeaders
from imghost.settings import Settings

REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
# Bodies worth reading for metrics: small JSON errors and the confirm outcome.
_CAPTURE_LIMIT = 4096
# Reflex's own endpoints; everything else that is not an API route is the frontend.
_REFLEX_PREFIXES = ("/_event", "/_upload", "/ping", "/_health", "/_all_routes")
access_log = logging.getLogger("imghost.access")
_ACCESS_MESSAGE = "%s %s %s"  # method, path, status
error_log = logging.getLogger("imghost.api")
# One encoder for every line: json.dumps with options builds a new one per call.
_encode = json.JSONEncoder(default=str).encode
INTERNAL_ERROR = json.dumps({"detail": "Something went wrong on the server.",
                             "code": "internal_error"}).encode()


class _Timestamps:
    """`datetime.fromtimestamp(t, UTC).isoformat(timespec="milliseconds")`, with the
    date and time up to the second formatted once per second rather than per line."""

    def __init__(self):
        self._second: tuple[float, str] = (-1.0, "")

    def __call__(self, created: float) -> str:
        # As fromtimestamp rounds: to the microsecond, half to even, then truncated.
        fraction, second = math.modf(created)
        micros = round(fraction * 1e6)
        if micros >= 1_000_000:
            second, micros = second + 1, micros - 1_000_000
        cached = self._second
        if cached[0] != second:
            cached = self._second = (second, datetime.fromtimestamp(second, UTC)
                                     .isoformat(timespec="seconds").removesuffix("+00:00"))
        return f"{cached[1]}.{micros // 1000:03d}+00:00"


class JsonFormatter(logging.Formatter):
    """One JSON object per line: what log shippers and `jq` read without parsing rules."""

    timestamp = _Timestamps()

    def format(self, record: logging.LogRecord) -> str:
        return self.line(record.created, record.levelname, record.name, record.getMessage(),
                         record.process, getattr(record, "fields", {}),
                         self.formatException(record.exc_info) if record.exc_info else None)

    def line(self, created: float, levelname: str, name: str, message: str, pid: int | None,
             fields: dict, exc: str | None = None) -> str:
        """A record's line from its parts: the access line is written from here without
        a record (_direct_handler)."""
        entry = {"ts": self.timestamp(created), "level": levelname.lower(), "logger": name,
                 "message": message, "pid": pid}
        request_id = REQUEST_ID.get()
        if request_id:
            entry["request_id"] = request_id
        entry.update(fields)
        if exc is not None:
            entry["exc"] = exc
        return _encode(entry)


# Line breaks (and every other control character) in anything a client chose, such
# as a path with %0a in it, would let it write a log line of its own.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def escape_controls(value: object) -> str:
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode(), str(value))


def _field_value(value: object) -> str:
    # Quoted when it has a space, '=' or '"', so "path=/x status=200" stays one field.
    text = escape_controls(value)
    return json.dumps(str(value)) if not text or any(c in text for c in ' ="') else text


class TextFormatter(logging.Formatter):
    """One line per record: message and fields escaped; only a traceback spans lines."""

    def format(self, record: logging.LogRecord) -> str:
        safe = logging.makeLogRecord({**record.__dict__, "msg": escape_controls(record.getMessage()),
                                      "args": None, "exc_info": None, "exc_text": None,
                                      "stack_info": None})
        line = super().format(safe)
        fields = " ".join(f"{escape_controls(k)}={_field_value(v)}"
                          for k, v in getattr(record, "fields", {}).items())
        request_id = REQUEST_ID.get()
        line = " ".join(part for part in (line, fields, f"request_id={request_id}" if request_id else "")
                        if part)
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def configure_logging(settings: Settings) -> None:
    """Our loggers write to stderr in the configured format (once per process)."""
    logger = logging.getLogger("imghost")
    if any(getattr(h, "_imghost", False) for h in logger.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler._imghost = True  # type: ignore[attr-defined]
    handler.setFormatter(JsonFormatter() if settings.log_format == "json" else
                         TextFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(settings.log_level)
    # Our handler formats these; a root handler (alembic configures one when it
    # migrates at start) would print each line a second time.
    logger.propagate = False


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
            handler = _direct_handler(level)
            if handler is not None:
                _write_access_line(handler, level, (method, path, status), fields)
                return
            # makeRecord + handle is what log() does, less finding the caller's source
            # line by walking the stack: every access line comes from here anyway.
            access_log.handle(_access_record(level, (method, path, status), fields))


def _access_record(level: int, args: tuple, fields: dict) -> logging.LogRecord:
    return access_log.makeRecord(access_log.name, level, __file__, 0, _ACCESS_MESSAGE, args,
                                 None, extra={"fields": fields})


def _direct_handler(level: int) -> logging.StreamHandler | None:
    """Our JSON handler, when an access record would reach it and nothing else, with no
    filter on the way and the standard record factory: then writing the formatted line
    is all that logging would do with the record, and making the record and passing it
    down the logger tree (most of what the line cost) can be skipped. Checked on every
    line, so a filter or handler added at any time still sees every record."""
    parent = access_log.parent
    if (access_log.filters or access_log.handlers or not access_log.propagate
            or parent is None or parent.propagate or len(parent.handlers) != 1
            or logging.getLogRecordFactory() is not logging.LogRecord):
        return None
    handler = parent.handlers[0]
    if (type(handler) is not logging.StreamHandler or handler.filters or level < handler.level
            or type(handler.formatter) is not JsonFormatter):
        return None
    return handler


def _write_access_line(handler: logging.StreamHandler, level: int, args: tuple,
                       fields: dict) -> None:
    """What handler.handle(record) writes for the access record, made from its parts."""
    line = handler.formatter.line(time.time(), logging.getLevelName(level), access_log.name,
                                  _ACCESS_MESSAGE % args,
                                  os.getpid() if logging.logProcesses else None, fields)
    _pending_lines.add(handler, (line, level, args, fields))


class _PendingLines:
    """Access lines held until the event loop's next turn, then written with one write.

    A write per line is a system call, and a release of the GIL that lets a database
    thread in, for every request; under load one turn of the loop finishes several
    requests. The lines are the same; each is written within a turn of the loop after
    its answer left (not at once, so a line from another logger in that turn may come
    first). Outside a running loop a line is written at once; at exit, what is left."""

    def __init__(self):
        self.lock = threading.Lock()  # a test client's loop runs in a thread of its own
        self.handler: logging.StreamHandler | None = None
        self.lines: list[tuple[str, int, tuple, dict]] = []
        self.due_on: asyncio.AbstractEventLoop | None = None  # the loop a write is due on

    def add(self, handler: logging.StreamHandler, entry: tuple[str, int, tuple, dict]) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if handler is not self.handler:
            self.write()  # the lines for the handler before go out first
        with self.lock:
            self.handler = handler
            self.lines.append(entry)
            schedule = loop is not None and self.due_on is not loop
            if schedule:
                self.due_on = loop
        if loop is None:
            self.write()
        elif schedule:
            loop.call_soon(self.write)

    def write(self) -> None:
        with self.lock:
            handler, lines, self.lines, self.due_on = self.handler, self.lines, [], None
        if not lines:
            return
        handler.acquire()
        try:
            handler.stream.write("".join(line + handler.terminator for line, *_ in lines))
            handler.flush()
        except RecursionError:
            raise
        except Exception:  # as StreamHandler.emit: reported on stderr, the requests unharmed
            for _, level, args, fields in lines:
                handler.handleError(_access_record(level, args, fields))
        finally:
            handler.release()


_pending_lines = _PendingLines()
atexit.register(_pending_lines.write)
# A forked worker starts with none: its parent writes its own, and the lock is new.
os.register_at_fork(after_in_child=_pending_lines.__init__)


def install_observability(api, settings: Settings, security: SecurityHeaders) -> None:
    configure_logging(settings)
    api.add_middleware(ObservabilityMiddleware, security=security)
