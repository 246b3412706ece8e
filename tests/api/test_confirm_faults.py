"""A confirm that dies midway does not block its upload (issue 13.2).

Real processes, real faults: a server worker SIGKILLed, or every database connection
dropped with pg_terminate_backend, while a confirm checks its bytes. The retried
confirm must succeed within seconds (a claim used to block it for two minutes).
"""

from __future__ import annotations

import os
import secrets
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PIL import Image

from imghost.services.upload_claims import LOCK_NAMESPACE
from tests.api.test_faults import assert_no_server_errors, http, rows
from tests.support.api_client import Account, confirm, grant, new_account, put_bytes
from tests.support.postgres import throwaway_database
from tests.support.server import AppServer, start_app

ATTEMPTS = 3
RETRY_WITHIN_S = 10.0


def slow_png() -> bytes:
    """~12 MB of noise: checking it takes long enough to be caught in the middle."""
    import io

    buffer = io.BytesIO()
    Image.frombytes("RGB", (2000, 2000), os.urandom(2000 * 2000 * 3)).save(
        buffer, "PNG", compress_level=1)
    return buffer.getvalue()


@pytest.fixture
def database_url() -> Iterator[str]:
    with throwaway_database() as url:
        yield url


def start_server(database_url: str, tmp_path: Path, workers: int) -> AppServer:
    # serve.sh (respawns dead workers) always mounts the pages: an empty build will do.
    (tmp_path / "web" / "build" / "client").mkdir(parents=True)
    env = {"IMGHOST_DATABASE_URL": database_url, "IMGHOST_DATA_DIR": str(tmp_path / "data"),
           "IMGHOST_JWT_SECRET": secrets.token_urlsafe(48), "IMGHOST_BCRYPT_ROUNDS": "4",
           "IMGHOST_RATE_LIMIT_ENABLED": "false", "REFLEX_WEB_WORKDIR": str(tmp_path / "web")}
    return start_app(env, tmp_path, workers=workers, serve_script=True)


def claim_holder(database_url: str) -> int | None:
    """The server process whose confirm holds a claim right now (pg_stat_activity names it)."""
    held = rows(database_url, "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a "
                "ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted "
                "AND l.classid = :namespace", namespace=LOCK_NAMESPACE)
    return int(held[0][0].rsplit("=", 1)[1]) if held else None


def confirm_in_background(server: AppServer, account: Account, upload: dict, data: bytes) -> dict:
    outcome: dict = {}

    def run():
        try:
            with http(server) as client:
                outcome["reply"] = confirm(client, account, upload, data)
        except httpx.HTTPError as error:
            outcome["error"] = error

    outcome["thread"] = threading.Thread(target=run, daemon=True)
    outcome["thread"].start()
    return outcome


def interrupt_a_confirm(server: AppServer, database_url: str, fault) -> tuple[Account, dict, bytes, dict]:
    """Start confirms until `fault` strikes one while it holds its claim."""
    data = slow_png()
    with http(server) as client:
        account = new_account(client, "fault")
        for _ in range(ATTEMPTS):
            upload = grant(client, account, data)
            assert put_bytes(upload, data).status_code in (200, 201)
            outcome = confirm_in_background(server, account, upload, data)
            holder = None
            while holder is None and outcome["thread"].is_alive():
                holder = claim_holder(database_url)
                time.sleep(0.005)
            if holder is not None:
                fault(holder)
                outcome["thread"].join(60)
                reply = outcome.get("reply")
                if reply is None or reply.status_code != 201:
                    return account, upload, data, outcome
    pytest.fail(f"no confirm was caught in the middle in {ATTEMPTS} attempts")


def retry_until_confirmed(server: AppServer, account: Account, upload: dict, data: bytes) -> float:
    """Seconds until the retried confirm records the image (as a client retries: on 503)."""
    began = time.monotonic()
    with http(server) as client:
        while True:
            try:
                reply = confirm(client, account, upload, data)
            except httpx.TransportError:  # the dead worker's port slot, for a moment
                reply = None
            if reply is not None and reply.status_code in (200, 201):
                break
            if reply is not None:
                assert reply.status_code == 503, reply.text
            assert time.monotonic() - began < RETRY_WITHIN_S, reply.text if reply else "no answer"
            time.sleep(0.2)
        # One image for this upload (earlier attempts the fault missed each left theirs).
        listed = client.get("/api/images/?limit=100", headers=account.headers).json()["images"]
        assert [image["r2_key"] for image in listed].count(upload["r2_key"]) == 1
    return time.monotonic() - began


def test_a_worker_killed_during_a_confirm_does_not_block_the_retry(database_url, tmp_path):
    server = start_server(database_url, tmp_path, workers=2)
    try:
        account, upload, data, outcome = interrupt_a_confirm(
            server, database_url, lambda pid: os.kill(pid, signal.SIGKILL))
        assert "error" in outcome, outcome  # the killed worker never answered
        waited = retry_until_confirmed(server, account, upload, data)
        print(f"confirmed {waited:.2f} s after the worker was killed")
    finally:
        server.stop()


def test_dropped_database_connections_during_a_confirm_do_not_block_the_retry(database_url,
                                                                             tmp_path):
    def drop_connections(_pid: int) -> None:
        rows(database_url, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
             "WHERE datname = current_database() AND pid <> pg_backend_pid()")

    server = start_server(database_url, tmp_path, workers=1)
    try:
        account, upload, data, outcome = interrupt_a_confirm(server, database_url, drop_connections)
        reply = outcome["reply"]  # the interrupted confirm fails cleanly
        assert reply.status_code == 503, reply.text
        assert reply.json()["code"] in ("confirm_interrupted", "database_unavailable"), reply.text
        assert reply.headers["retry-after"]
        waited = retry_until_confirmed(server, account, upload, data)
        print(f"confirmed {waited:.2f} s after the connections were dropped")
    finally:
        server.stop()
    assert_no_server_errors(server)
