"""The access line written without a LogRecord (api/access_lines.py) is the line the
record would have been written as, and anything an operator hooks onto the logger still
sees the records."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
from concurrent.futures import ThreadPoolExecutor

import pytest

from imghost.api import access_lines
from imghost.api.log_format import REQUEST_ID, JsonFormatter
from imghost.api.observability import ObservabilityMiddleware

CREATED = 1_764_450_000.1234567


class Route:
    path = path_format = "/api/images/{image_id}"


@pytest.fixture
def stream(monkeypatch):
    """Our JSON handler on 'imghost', as configure_logging sets it up, writing to a string."""
    monkeypatch.setattr(access_lines.time, "time", lambda: CREATED)  # the record's too
    logger = logging.getLogger("imghost")
    monkeypatch.setattr(logger, "propagate", False)
    level = logger.level
    logger.setLevel(logging.DEBUG)  # the health probe's line is at DEBUG
    written = io.StringIO()
    written.handler = logging.StreamHandler(written)
    written.handler.setFormatter(JsonFormatter())
    yield written
    logger.setLevel(level)


def in_a_thread_of_its_own(call, *args):
    """call(*args) where no event loop runs: a test before this one may leave a loop set
    as running in the main thread (Playwright's sync API does), and a line made under a
    running loop waits for that loop's next turn."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(call, *args).result()


def record(stream, path: str, status: int, body: bytes = b"", request_id: str | None = "req-1",
           also: tuple[logging.Handler, ...] = (), here: bool = False) -> None:
    """One access line, with our handler (and `also`) the only ones on 'imghost': pytest
    attaches its capturing handlers to a logger that does not propagate. Made in a
    thread of its own, or `here` (under the caller's loop)."""
    scope = {"type": "http", "method": "DELETE", "path": path, "client": ("10.0.0.7", 5),
             "route": Route()}
    state = {"status": status, "json": True, "body": bytearray(body), "started": True}
    logger = logging.getLogger("imghost")
    handlers, logger.handlers = logger.handlers, [stream.handler, *also]
    try:
        if here:
            _record(scope, state, request_id)
        else:
            in_a_thread_of_its_own(_record, scope, state, request_id)
    finally:
        logger.handlers = handlers


def _record(scope: dict, state: dict, request_id: str | None) -> None:
    token = REQUEST_ID.set(request_id)
    try:
        ObservabilityMiddleware._record(scope, state, 0.0123456)
    finally:
        REQUEST_ID.reset(token)


class PassAll(logging.Filter):
    def __init__(self):
        super().__init__()
        self.seen: list[logging.LogRecord] = []

    def filter(self, record):
        self.seen.append(record)
        return True


CASES = [("/api/images/7", 200, b"", "req-1"),
         ("/api/images/\u00e9t\u00e9\r\n\"x\"\\", 404,
          b'{"detail": "Not found.", "code": "not_found"}', "req-2"),
         ("/api/images/8", 503, b'{"code": ["odd", 1]}', None),
         ("/api/health/live", 200, b"", "req-3")]


@pytest.mark.parametrize(("path", "status", "body", "request_id"), CASES)
def test_the_direct_line_is_the_records_line(stream, monkeypatch, path, status, body, request_id):
    with monkeypatch.context() as no_records:
        no_records.setattr(logging.Logger, "makeRecord", None)  # written without one
        record(stream, path, status, body, request_id)
    direct = stream.getvalue()
    stream.seek(0)
    stream.truncate()
    access = logging.getLogger("imghost.access")
    access.addFilter(PassAll())  # a filter: the record is made and handled as before
    try:
        record(stream, path, status, body, request_id)
    finally:
        access.filters.clear()
    assert direct == stream.getvalue()
    assert direct.count("\n") == 1 and '"logger": "imghost.access"' in direct


def test_an_operators_filter_still_sees_and_drops_the_records(stream):
    stream.handler.addFilter(logging.Filter("nothing.matches"))
    record(stream, "/api/images/7", 200)
    stream.handler.filters.clear()
    assert stream.getvalue() == ""
    seen = PassAll()
    logging.getLogger("imghost.access").addFilter(seen)
    try:
        record(stream, "/api/images/7", 200)
    finally:
        logging.getLogger("imghost.access").filters.clear()
    assert [r.getMessage() for r in seen.seen] == ["DELETE /api/images/7 200"]
    assert stream.getvalue().count("\n") == 1


def test_a_second_handler_gets_the_record_too(stream):
    other = io.StringIO()
    record(stream, "/api/images/7", 200, also=(logging.StreamHandler(other),))
    assert other.getvalue() == "DELETE /api/images/7 200\n"
    assert stream.getvalue().count("\n") == 1


class CountedWrites(io.StringIO):
    def __init__(self):
        super().__init__()
        self.writes = 0

    def write(self, text):
        self.writes += 1
        return super().write(text)


def test_lines_of_one_turn_of_the_loop_are_written_together(stream):
    counted = CountedWrites()
    stream.handler.setStream(counted)

    async def two_requests() -> tuple[str, str]:
        record(stream, "/api/images/7", 200, here=True)
        record(stream, "/api/images/8", 404, request_id="req-2", here=True)
        held = counted.getvalue()
        await asyncio.sleep(0)
        return held, counted.getvalue()

    held, written = in_a_thread_of_its_own(lambda: asyncio.run(two_requests()))
    assert held == "" and counted.writes == 1
    lines = written.splitlines()
    assert [json.loads(line)["path"] for line in lines] == ["/api/images/7", "/api/images/8"]
    assert [json.loads(line)["request_id"] for line in lines] == ["req-1", "req-2"]
    record(stream, "/api/images/9", 200)  # no loop running: written at once
    assert counted.getvalue().endswith('"client": "10.0.0.7"}\n') and counted.writes == 2


def test_a_forked_worker_does_not_write_its_parents_lines_again():
    from imghost.api.access_lines import _pending_lines

    with _pending_lines.lock:
        _pending_lines.lines.append(("parent's line", logging.INFO, (), {}))
        child = os.fork()
        if child == 0:  # the child: nothing held, and the lock is free
            os._exit(0 if not _pending_lines.lines and _pending_lines.lock.acquire(False) else 1)
        _pending_lines.lines.clear()
    assert os.waitpid(child, 0)[1] == 0
