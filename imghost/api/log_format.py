"""Our log lines: JSON (one object per line) or text, each naming the request it was
written for (REQUEST_ID, set by api/observability.py), and the handler that writes them."""

from __future__ import annotations

import contextvars
import json
import logging
import math
import re
import sys
from datetime import UTC, datetime

from imghost.settings import Settings

REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
# One encoder for every line: json.dumps with options builds a new one per call.
_encode = json.JSONEncoder(default=str).encode

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
        a record (access_lines.direct_handler)."""
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
