"""The direct routes (api/direct.py) answer exactly as the FastAPI routes they stand in for.

The same API is built twice in-process, with and without the direct layer, and each
request goes to both: status, headers and body must be equal, byte for byte.
"""

from __future__ import annotations

import pytest

from tests.support.event_loop import run_to_end


def _app(monkeypatch, direct: bool):
    import imghost.api as api_module

    with monkeypatch.context() as patch:
        if not direct:
            patch.setattr(api_module, "install_direct_routes", lambda api, routes: None)
        return api_module.create_api()


def _call(app, method: str, path: str, headers: list[tuple[bytes, bytes]]) -> tuple:
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": method, "scheme": "http", "path": path, "raw_path": path.encode(),
             "query_string": b"", "root_path": "", "headers": [(b"host", b"testserver"), *headers],
             "server": ("testserver", 80), "client": ("127.0.0.1", 50000)}
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    run_to_end(app(scope, receive, send))
    start = sent[0]
    headers = [(k, v) for k, v in start["headers"] if k != b"x-request-id"]
    return start["status"], headers, b"".join(m.get("body", b"") for m in sent[1:])


@pytest.fixture
def apps(configured, monkeypatch):
    reference = _app(monkeypatch, direct=False)
    return reference, _app(monkeypatch, direct=True)


def _same(apps, method: str, path: str, authorization: str | None = None) -> tuple:
    headers = [(b"authorization", authorization.encode())] if authorization is not None else []
    reference, direct = (_call(app, method, path, headers) for app in apps)
    assert direct == reference
    return direct


def test_liveness_is_answered_alike(apps):
    status, headers, body = _same(apps, "GET", "/api/health/live")
    assert (status, body) == (200, b'{"status":"ok"}')
    assert (b"content-type", b"application/json") in headers
    assert _same(apps, "HEAD", "/api/health/live")[0] == 405

