"""Real outages: the database killed mid-run, the object store stopped.

The API must answer 503 JSON (never hang, never 500), write nothing half-way, and
come back by itself once the database returns, without a restart.
"""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.support.api_client import Account, confirm, grant, new_account, put_bytes, upload_image
from tests.support.images import png
from tests.support.ports import free_port
from tests.support.postgres import throwaway_database
from tests.support.seaweed import start_seaweed
from tests.support.server import AppServer, start_app

PG_BIN = Path("/usr/lib/postgresql/15/bin")


class PrivatePostgres:
    """A PostgreSQL cluster of our own, so the test can kill it for real."""

    def __init__(self):
        self.root = Path(tempfile.mkdtemp(prefix="imghost-pg-"))
        shutil.chown(self.root, "postgres", "postgres")
        self.data = self.root / "data"
        self.port = free_port()
        self.url = f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/postgres"
        self._as_postgres([str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
                           "--no-sync"])

    def _as_postgres(self, command: list[str]) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", *command], check=True, capture_output=True,
                       timeout=120)

    def start(self) -> None:
        options = f"-p {self.port} -h 127.0.0.1 -k {self.root} -c fsync=off"
        self._as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-o", options, "-w",
                           "-l", str(self.root / "log"), "start"])

    def kill(self) -> None:
        """Immediate shutdown: connections drop as in a crash."""
        self._as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"])

    def remove(self) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", str(PG_BIN / "pg_ctl"), "-D", str(self.data),
                        "-m", "immediate", "stop"], capture_output=True, timeout=60)
        shutil.rmtree(self.root, ignore_errors=True)


def http(server: AppServer) -> httpx.Client:
    # No keep-alive: every request may land on either worker.
    return httpx.Client(base_url=server.base_url, timeout=30,
                        limits=httpx.Limits(max_keepalive_connections=0))


def assert_unavailable(reply: httpx.Response, code: str) -> None:
    assert reply.status_code == 503, reply.text
    assert reply.headers["content-type"].startswith("application/json")
    assert reply.json()["code"] == code, reply.text


def assert_no_server_errors(server: AppServer) -> None:
    """No request ended in a 500 or an unhandled exception (background jobs may log theirs)."""
    entries = [json.loads(line) for line in server.log().splitlines() if line.startswith("{")]
    bad = [e for e in entries if e.get("message") == "unhandled error"
           or (e.get("logger") == "imghost.access" and e.get("status", 0) >= 500 and e.get("status") != 503)]
    assert bad == [], bad


def rows(database_url: str, query: str, **params) -> list[tuple]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(query), params)]
    finally:
        engine.dispose()


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    cluster = PrivatePostgres()
    cluster.start()
    yield cluster
    cluster.remove()


def test_database_killed_then_back_without_restart(private_postgres, seaweed, tmp_path):
    env = {**seaweed.env(), "IMGHOST_DATABASE_URL": private_postgres.url, "IMGHOST_DATA_DIR": str(tmp_path),
           "IMGHOST_JWT_SECRET": secrets.token_urlsafe(48), "IMGHOST_BCRYPT_ROUNDS": "4",
           "IMGHOST_RATE_LIMIT_ENABLED": "false", "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")}
    (tmp_path / "metrics").mkdir()
    server = start_app(env, tmp_path, workers=2)
    seaweed.allow_origins([server.base_url])
    try:
        with http(server) as client:
            account = new_account(client, "dbfault")
            upload_image(client, account)
            data = png((33, 33))
            pending = grant(client, account, data)
            assert put_bytes(pending, data).status_code == 200

            private_postgres.kill()
            started = time.monotonic()
            for _ in range(4):  # both workers, each with pooled connections now dead
                assert_unavailable(client.get("/api/images/", headers=account.headers),
                                   "database_unavailable")
            assert_unavailable(client.post("/api/auth/login", json={
                "username": account.username, "password": "correct horse battery"}), "database_unavailable")
            assert_unavailable(confirm(client, account, pending, data), "database_unavailable")
            outage = client.get("/api/images/", headers=account.headers)
            assert outage.headers["retry-after"]
            assert time.monotonic() - started < 30, "answers come fast, not after long timeouts"
            health = client.get("/api/health")
            assert health.status_code == 503 and health.json()["database"] == "unavailable"
            assert health.json()["storage"] == "ok"
            assert client.get("/api/health/live").status_code == 200
            metrics = client.get("/api/metrics").text
            errors = next(line for line in metrics.splitlines()
                          if line.startswith('imghost_dependency_errors_total{dependency="database"}'))
            assert float(errors.split()[-1]) >= 7

            private_postgres.start()
            deadline = time.monotonic() + 30
            while client.get("/api/health").status_code != 200:
                assert time.monotonic() < deadline, "did not recover within 30 s"
                time.sleep(0.5)
            print(f"recovered {time.monotonic() - deadline + 30:.1f} s after the database came back")
            for _ in range(4):
                assert client.get("/api/images/", headers=account.headers).status_code == 200
            done = confirm(client, account, pending, data)
            assert done.status_code == 201, done.text
            assert client.get("/api/images/", headers=account.headers).json()["total"] == 2
    finally:
        server.stop()
    assert_no_server_errors(server)


def test_storage_stopped_answers_503_and_writes_nothing_half_way(tmp_path):
    weed = start_seaweed(tmp_path / "weed")
    with throwaway_database() as database_url:
        env = {**weed.env(), "IMGHOST_DATABASE_URL": database_url, "IMGHOST_DATA_DIR": str(tmp_path),
               "IMGHOST_JWT_SECRET": secrets.token_urlsafe(48), "IMGHOST_BCRYPT_ROUNDS": "4",
               "IMGHOST_RATE_LIMIT_ENABLED": "false"}
        server = start_app(env, tmp_path)
        weed.allow_origins([server.base_url])
        try:
            with http(server) as client:
                account: Account = new_account(client, "s3fault")
                image = upload_image(client, account)
                data = png((44, 44))
                pending = grant(client, account, data)
                assert put_bytes(pending, data).status_code == 200

                weed.stop()
                time.sleep(2.5)  # past the app's short trust in the last good storage check
                grants_before = rows(database_url, "SELECT count(*) FROM upload_grants")
                assert_unavailable(client.post("/api/images/upload-url", headers=account.headers, json={
                    "filename": "x.png", "content_type": "image/png", "size_bytes": 10}),
                    "storage_unavailable")
                assert rows(database_url, "SELECT count(*) FROM upload_grants") == grants_before

                assert_unavailable(confirm(client, account, pending, data), "storage_unavailable")
                assert rows(database_url, "SELECT count(*) FROM images WHERE r2_key = :k",
                            k=pending["r2_key"]) == [(0,)]
                # The grant stays: the upload can still be confirmed (or swept) later.
                assert rows(database_url, "SELECT count(*) FROM upload_grants WHERE r2_key = :k",
                            k=pending["r2_key"]) == [(1,)]

                assert_unavailable(client.delete(f"/api/images/{image['id']}", headers=account.headers),
                                   "storage_unavailable")
                assert rows(database_url, "SELECT image_count, bytes_stored FROM users WHERE id = :i",
                            i=account.user_id) == [(1, image["size_bytes"])]

                health = client.get("/api/health")
                assert health.status_code == 503 and health.json()["storage"] == "unavailable"
                listed = client.get("/api/images/", headers=account.headers)
                assert listed.status_code == 200 and listed.json()["total"] == 1  # reading still works
        finally:
            server.stop()
            weed.stop()
    assert_no_server_errors(server)


@pytest.mark.e2e
def test_database_outage_in_the_ui(private_postgres, tmp_path, browser):
    """The browser shows an error while the database is down and works again after."""
    import re

    from playwright.sync_api import expect

    from tests.e2e.steps import PASSWORD, login, register, unique_user
    from tests.support.frontend import start_app_with_pages

    env = {"IMGHOST_DATABASE_URL": private_postgres.url, "IMGHOST_DATA_DIR": str(tmp_path / "data"),
           "IMGHOST_JWT_SECRET": secrets.token_urlsafe(48), "IMGHOST_BCRYPT_ROUNDS": "4"}
    server = start_app_with_pages(env, tmp_path)
    first = browser.new_context(base_url=server.base_url)
    second = browser.new_context(base_url=server.base_url)
    try:
        name = unique_user("outage")
        first.set_default_timeout(20_000)
        register(first.new_page(), name)

        private_postgres.kill()
        page = second.new_page()
        page.set_default_timeout(20_000)
        page.goto("/login")
        page.fill("#field-login", name)
        page.fill("#field-password", PASSWORD)
        page.press("#field-password", "Enter")
        # The form's alert, or Reflex's own toast for an unexpected failure.
        problem = page.get_by_role("alert").or_(
            page.get_by_text(re.compile("error|unavailable|went wrong", re.I)))
        expect(problem.first).to_be_visible(timeout=20_000)  # a loaded machine
        assert "/login" in page.url  # not let in

        private_postgres.start()
        login(page, name)  # the same server, no restart
    finally:
        first.close()
        second.close()
        server.stop()
