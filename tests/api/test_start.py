"""A worker answers the API before Reflex's app is built; what is Reflex's waits for it
rather than fail (imghost/asgi.py)."""

from __future__ import annotations

import secrets
import threading

import httpx

from tests.support.server import start_app


def test_reflex_routes_wait_for_the_build_right_after_the_start(tmp_path):
    env = {"IMGHOST_DATA_DIR": str(tmp_path / "data"), "IMGHOST_JWT_SECRET": secrets.token_urlsafe(48)}
    server = start_app(env, tmp_path)  # returns at the first answer from /api/health/live
    try:
        answers: dict[str, httpx.Response] = {}

        def get(path: str) -> None:
            answers[path] = httpx.get(f"{server.base_url}{path}", timeout=60)

        # Reflex's own route, its websocket's polling address and an unknown share path
        # (which the API app hands on to Reflex's routes), all at once.
        paths = ["/ping", "/_event/?EIO=4&transport=polling", "/i/nope/extra"]
        threads = [threading.Thread(target=get, args=(path,)) for path in paths]
        for thread in threads:
            thread.start()
        assert httpx.get(f"{server.base_url}/api/health", timeout=30).status_code == 200
        for thread in threads:
            thread.join()
        assert answers["/ping"].status_code == 200
        assert answers["/ping"].headers["x-content-type-options"] == "nosniff"
        assert answers["/_event/?EIO=4&transport=polling"].status_code < 500
        assert answers["/i/nope/extra"].status_code == 404
        assert "the pages could not be built" not in server.log()
    finally:
        server.stop()
