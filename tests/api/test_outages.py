"""Storage or database unreachable, for real: JSON 503s, nothing half-written."""

from __future__ import annotations

import secrets
import threading
import time

import httpx
import pytest

from tests.support.api_client import grant, new_account, put_bytes, upload_image
from tests.support.images import png
from tests.support.ports import free_port
from tests.support.postgres import throwaway_database
from tests.support.seaweed import start_seaweed
from tests.support.server import start_app
from tests.support.tcp_gate import TcpGate


def assert_503(reply: httpx.Response, code: str) -> None:
    assert reply.status_code == 503, reply.text
    assert reply.headers["content-type"].startswith("application/json")
    assert reply.json()["code"] == code


@pytest.fixture
def doomed_storage_server(tmp_path):
    """A server whose SeaweedFS the test may stop."""
    seaweed = start_seaweed(tmp_path / "weed")
    with throwaway_database() as database_url:
        env = {**seaweed.env(), "IMGHOST_DATABASE_URL": database_url,
               "IMGHOST_JWT_SECRET": secrets.token_urlsafe(48), "IMGHOST_BCRYPT_ROUNDS": "4",
               "IMGHOST_DATA_DIR": str(tmp_path / "data")}
        server = start_app(env, tmp_path)
        try:
            yield server, seaweed
        finally:
            server.stop()
            seaweed.stop()


def test_storage_down_gives_503_and_loses_nothing(doomed_storage_server):
    server, seaweed = doomed_storage_server
    with httpx.Client(base_url=server.base_url, timeout=60) as client:
        account = new_account(client)
        kept = upload_image(client, account)
        data = png()
        pending = grant(client, account, data)
        put_bytes(pending, data)

        seaweed.stop()

        health = client.get("/api/health")
        assert health.status_code == 503
        assert health.json() == {"status": "unavailable", "database": "ok", "storage": "unavailable"}
        assert_503(client.post("/api/images/confirm", headers=account.headers, json={
            "r2_key": pending["r2_key"], "filename": "p.png", "size_bytes": len(data)}),
            "storage_unavailable")
        assert_503(client.delete(f"/api/images/{kept['id']}", headers=account.headers),
                   "storage_unavailable")
        # Nothing half-written: the kept image is still listed, the pending one never was.
        listed = client.get("/api/images/", headers=account.headers).json()
        assert [i["id"] for i in listed["images"]] == [kept["id"]] and listed["total"] == 1


def test_start_with_an_unreachable_database_fails_with_one_sentence(tmp_path):
    dead = f"postgresql+psycopg2://postgres@127.0.0.1:{free_port()}/nothing"
    env = {"IMGHOST_DATABASE_URL": dead, "IMGHOST_JWT_SECRET": secrets.token_urlsafe(48),
           "IMGHOST_DATA_DIR": str(tmp_path / "data"), "IMGHOST_DATABASE_WAIT_SECONDS": "1"}
    with pytest.raises(RuntimeError) as failure:
        start_app(env, tmp_path)
    assert "imghost could not reach the database for 1 s" in str(failure.value)
    assert "IMGHOST_DATABASE_URL" in str(failure.value)


def open_when_logged(gate: TcpGate, log_path, text: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if log_path.exists() and text in log_path.read_text(errors="replace"):
            break
        time.sleep(0.2)
    gate.open()


def test_server_waits_for_a_late_database_then_serves_and_survives_its_loss(tmp_path):
    gate = TcpGate("127.0.0.1", 5432)
    with throwaway_database() as database_url:
        via_gate = database_url.replace("127.0.0.1:5432", f"127.0.0.1:{gate.port}")
        assert via_gate != database_url
        env = {"IMGHOST_DATABASE_URL": via_gate, "IMGHOST_JWT_SECRET": secrets.token_urlsafe(48),
               "IMGHOST_DATA_DIR": str(tmp_path / "data"), "IMGHOST_BCRYPT_ROUNDS": "4"}
        port = free_port()
        # The database comes up only after the starting app has found it missing.
        threading.Thread(target=open_when_logged, daemon=True, args=(
            gate, tmp_path / f"server-{port}.log", "database not reachable yet")).start()
        server = start_app(env, tmp_path, port=port)
        try:
            with httpx.Client(base_url=server.base_url, timeout=60) as client:
                assert client.get("/api/health").json()["database"] == "ok"
                account = new_account(client)
                assert "database not reachable yet" in server.log()

                gate.shut()  # the database host vanishes mid-run
                time.sleep(0.2)  # past the 0.1 s readiness cache (api/health.py)
                health = client.get("/api/health")
                assert health.status_code == 503 and health.json()["database"] == "unavailable"
                assert_503(client.get("/api/auth/me", headers=account.headers),
                           "database_unavailable")
                assert_503(client.post("/api/auth/register", json={
                    "username": "someone", "email": "s@example.com", "password": "long enough pw"}),
                    "database_unavailable")

                gate.open()  # and comes back: no restart needed
                time.sleep(0.2)
                assert client.get("/api/health").status_code == 200
                assert client.get("/api/auth/me", headers=account.headers).status_code == 200
        finally:
            server.stop()
            gate.shut()
