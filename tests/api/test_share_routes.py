"""/i/ and /a/ are answered by the API's routes, not by the Reflex frontend, in both ways
the app is served: `reflex run --env prod --single-port` and the prebuilt granian mode."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import TEST_BCRYPT_ROUNDS
from tests.support.api_client import new_account, upload_image
from tests.support.frontend import start_app_with_pages
from tests.support.html_page import parse_page
from tests.support.ports import free_port
from tests.support.server import PROJECT_ROOT, AppServer, server_environment


def embedded_env(data_dir: Path) -> dict[str, str]:
    return {"IMGHOST_DATA_DIR": str(data_dir), "IMGHOST_BCRYPT_ROUNDS": TEST_BCRYPT_ROUNDS,
            "IMGHOST_RATE_LIMIT_ENABLED": "false"}


def start_reflex_run(env: dict[str, str], work_dir: Path) -> AppServer:
    """`reflex run --env prod --single-port`: compiles and builds the pages at start."""
    port = free_port()
    full_env = server_environment(env, port, with_frontend=False)
    full_env.pop("__REFLEX_SKIP_COMPILE")  # this mode compiles; that is the point
    full_env["REFLEX_WEB_WORKDIR"] = str(work_dir / "web")
    log_path = work_dir / "reflex-run.log"
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("reflex")), "run", "--env", "prod", "--single-port",
         "--backend-port", str(port), "--loglevel", "warning"],
        cwd=PROJECT_ROOT, env=full_env, stdout=log_path.open("wb"), stderr=subprocess.STDOUT,
        start_new_session=True)
    server = AppServer(base_url=f"http://localhost:{port}", port=port, env=full_env,
                       log_path=log_path, process=process)
    deadline = time.monotonic() + 300  # a cold bun install takes a while
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"reflex run exited:\n{server.log()[-4000:]}")
        try:
            if httpx.get(f"{server.base_url}/", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    server.stop()
    raise RuntimeError(f"reflex run did not serve pages in 300 s:\n{server.log()[-4000:]}")


@pytest.fixture(scope="module", params=["granian-prebuilt", "reflex-run-single-port"])
def pages_server(request, tmp_path_factory) -> Iterator[AppServer]:
    work_dir = tmp_path_factory.mktemp(request.param)
    env = embedded_env(work_dir / "data")
    if request.param == "granian-prebuilt":
        server = start_app_with_pages(env, work_dir)
    else:
        server = start_reflex_run(env, work_dir)
    yield server
    if server.process and server.process.poll() is None:
        os.killpg(server.process.pid, signal.SIGTERM)
        server.process.wait(timeout=30)


def test_share_pages_win_over_the_frontend(pages_server):
    base = pages_server.base_url
    with httpx.Client(base_url=base, timeout=30) as client:
        home = client.get("/")
        assert home.status_code == 200 and "imghost" in home.text  # the Reflex app is there
        account = new_account(client)
        image = upload_image(client, account, filename="routed.png")
        album = client.post("/api/albums", headers=account.headers, json={"title": "Routed"}).json()
        shared = client.patch(f"/api/albums/{album['id']}", headers=account.headers,
                              json={"shared": True}).json()

        for url, title in ((image["page_url"], "routed.png"), (shared["share_url"], "Routed")):
            reply = client.get(url)
            assert reply.status_code == 200, (url, reply.status_code, reply.text[:300])
            page = parse_page(reply.text)
            assert page.meta["og:title"] == title
            assert "script" not in page.tags  # ours: the Reflex shell is all script
            assert "style-src 'sha256-" in reply.headers["content-security-policy"]
        for path in ("/i/unknownSlug1", "/a/unknownSlug1"):
            missing = client.get(path)
            assert missing.status_code == 404 and "Nothing here" in missing.text, path
