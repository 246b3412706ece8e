"""Text logs: a client cannot write a line of its own (%0a in a path, quotes in a field)."""

from __future__ import annotations

import logging
import sys
import time

import httpx

from imghost.api.log_format import TextFormatter
from tests.support.server import start_app

FORGED = "2026-01-01 00:00:00,000 INFO imghost.audit user deleted user_id=1"


def formatted(message: str, *args, **fields) -> str:
    record = logging.LogRecord("imghost.access", logging.INFO, __file__, 1, message, args, None)
    record.fields = fields
    return TextFormatter("%(levelname)s %(name)s %(message)s").format(record)


def test_control_characters_are_escaped_in_message_and_fields():
    path = f"/api/x\n{FORGED}\r\x1b[2J\u2028"
    line = formatted("%s %s %s", "GET", path, 404, path=path, status=404)
    assert "\n" not in line and "\r" not in line and "\x1b" not in line and "\u2028" not in line
    assert line.startswith("INFO imghost.access GET /api/x\\n2026-01-01")
    assert "\\x1b" in line and "\\u2028" in line


def test_a_field_cannot_pose_as_another_field():
    line = formatted("GET", path="/x status=200", client="1.2.3.4")
    assert 'path="/x status=200" client=1.2.3.4' in line


def test_a_traceback_still_spans_lines():
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("imghost.api", logging.ERROR, __file__, 1, "failed\nhere",
                                   None, sys.exc_info())
    text = TextFormatter("%(levelname)s %(message)s").format(record)
    first, *rest = text.splitlines()
    assert first == "ERROR failed\\nhere"
    assert rest[0].startswith("Traceback") and rest[-1] == "ValueError: boom"


def test_the_access_log_of_a_running_server(tmp_path):
    # The formatter does not depend on the backend: the embedded one is enough.
    server = start_app({"IMGHOST_DATA_DIR": str(tmp_path / "data"), "IMGHOST_LOG_FORMAT": "text"},
                       tmp_path)
    try:
        # A path with \n never reaches the API (Reflex's router answers it); \r does, and
        # a terminal or splitlines() shows what follows it as a line of its own.
        reply = httpx.get(f"{server.base_url}/api/x%0d{FORGED.replace(' ', '%20')}", timeout=10)
        assert reply.status_code == 404
        # The access line is written just after the answer leaves.
        deadline = time.monotonic() + 5
        while "GET /api/x" not in server.log() and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        server.stop()
    lines = server.log().splitlines()
    assert any("/api/x\\r2026-01-01" in line for line in lines), server.log()[-2000:]
    assert not any(line.startswith("2026-01-01 00:00:00,000 INFO imghost.audit") for line in lines)
