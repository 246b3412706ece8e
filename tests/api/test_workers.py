"""Two worker processes sharing Redis (UI state, rate-limit counters) and PostgreSQL + S3.

Every request goes on a new connection, so the kernel spreads them over both
workers; the JSON access log names the worker (pid) that answered each one.
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests.support.api_client import PASSWORD
from tests.support.frontend import start_app_with_pages
from tests.support.images import png
from tests.support.postgres import throwaway_database
from tests.support.server import AppServer

REDIS = "redis://127.0.0.1:6379"


@pytest.fixture(scope="module")
def two_workers(seaweed, tmp_path_factory) -> Iterator[AppServer]:
    root = tmp_path_factory.mktemp("workers")
    env = {**seaweed.env(), "IMGHOST_DATA_DIR": str(root / "data"), "IMGHOST_BCRYPT_ROUNDS": "4",
           "IMGHOST_JWT_SECRET": secrets.token_urlsafe(48),
           "REFLEX_REDIS_URL": f"{REDIS}/0", "IMGHOST_REDIS_URL": f"{REDIS}/1",
           "IMGHOST_REDIS_PREFIX": f"imghost-test-{uuid.uuid4().hex}",
           "IMGHOST_RATE_LIMIT_LOGIN_IP": "20/minute", "IMGHOST_TRUSTED_PROXY_HOPS": "1",
           "PROMETHEUS_MULTIPROC_DIR": str(root / "metrics")}
    (root / "metrics").mkdir()
    with throwaway_database() as database_url:
        env["IMGHOST_DATABASE_URL"] = database_url
        server = start_app_with_pages(env, root, workers=2)
        seaweed.allow_origins([server.base_url])
        yield server
        server.stop()


def call(server: AppServer, method: str, path: str, **kwargs) -> httpx.Response:
    """One request on its own connection (a kept-alive one would stay on one worker)."""
    return httpx.request(method, f"{server.base_url}{path}", timeout=30, **kwargs)


def workers_for(server: AppServer, request_ids: list[str]) -> set[int]:
    wanted = set(request_ids)
    pids = set()
    for line in server.log().splitlines():
        if line.startswith("{"):
            entry = json.loads(line)
            if entry.get("logger") == "imghost.access" and entry.get("request_id") in wanted:
                pids.add(entry["pid"])
    return pids


def test_rate_limit_counters_are_shared_by_the_workers(two_workers):
    ip = f"10.9.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    ids, codes = [], []
    for attempt in range(21):
        request_id = f"rl-{uuid.uuid4().hex}"
        reply = call(two_workers, "POST", "/api/auth/login",
                     headers={"X-Forwarded-For": ip, "X-Request-ID": request_id},
                     json={"username": f"ghost{attempt}_{uuid.uuid4().hex[:6]}", "password": "whatever1"})
        ids.append(request_id)
        codes.append(reply.status_code)
    # 20 per minute in total, although each worker alone saw only about half of them.
    assert codes == [401] * 20 + [429]
    assert len(workers_for(two_workers, ids)) == 2


def test_upload_flow_across_workers_and_summed_metrics(two_workers):
    name = f"w_{uuid.uuid4().hex[:10]}"
    ids: list[str] = []

    def api(method: str, path: str, **kwargs) -> httpx.Response:
        ids.append(uuid.uuid4().hex)
        headers = {**kwargs.pop("headers", {}), "X-Request-ID": ids[-1]}
        return call(two_workers, method, path, headers=headers, **kwargs)

    assert api("POST", "/api/auth/register", json={"username": name, "email": f"{name}@example.com",
                                                   "password": PASSWORD}).status_code == 201
    token = api("POST", "/api/auth/login", json={"username": name, "password": PASSWORD}).json()
    auth = {"Authorization": f"Bearer {token['access_token']}"}
    confirmed = []
    for index in range(6):
        data = png((20 + index, 20))
        grant = api("POST", "/api/images/upload-url", headers=auth, json={
            "filename": f"{index}.png", "content_type": "image/png", "size_bytes": len(data)}).json()
        assert httpx.put(grant["upload_url"], content=data, headers=grant["headers"],
                         timeout=30).status_code == 200
        reply = api("POST", "/api/images/confirm", headers=auth, json={
            "r2_key": grant["r2_key"], "filename": f"{index}.png", "size_bytes": len(data)})
        assert reply.status_code == 201, reply.text
        confirmed.append(reply.json()["id"])
    listed = api("GET", "/api/images/?limit=100", headers=auth).json()
    assert [image["id"] for image in listed["images"]] == confirmed[::-1]
    assert api("DELETE", f"/api/images/{confirmed[0]}", headers=auth).status_code == 204
    assert api("GET", "/api/images/", headers=auth).json()["total"] == 5
    assert len(workers_for(two_workers, ids)) == 2

    # Any worker's scrape sums both workers' counters.
    for _ in range(4):
        metrics = call(two_workers, "GET", "/api/metrics").text
        assert "imghost_uploads_confirmed_total 6.0" in metrics
        assert 'imghost_http_requests_total{method="POST",route="/api/images/confirm",status="201"} 6.0' \
            in metrics


def test_ui_through_two_workers(two_workers, tmp_path: Path, browser):
    """Reflex keeps each tab's state in Redis: the UI works whichever worker serves the socket."""
    from tests.e2e.steps import choose_files, register, tiles, unique_user, wait_until_finished

    picture = tmp_path / "two-workers.png"
    picture.write_bytes(png((48, 32)))
    for _ in range(2):  # two users, two tabs: likely one per worker
        context = browser.new_context(base_url=two_workers.base_url)
        context.set_default_timeout(20_000)
        page = context.new_page()
        register(page, unique_user("workers"))
        choose_files(page, [picture])
        wait_until_finished(page, 1)
        page.goto("/")
        expect(tiles(page)).to_have_count(1)
        page.reload()  # a new socket, perhaps on the other worker, same state
        expect(tiles(page)).to_have_count(1)
        context.close()


def test_revoked_token_ended_session_and_changed_password_are_refused_on_both_workers(two_workers):
    """Each refusal is checked on many fresh connections, so both workers answer; the
    access log proves they did. The database row is read on every request: no cache
    on either worker can keep an ended credential alive."""
    name = f"rv_{uuid.uuid4().hex[:10]}"
    ids: list[str] = []

    def api(method: str, path: str, token: str | None = None, **kwargs) -> httpx.Response:
        ids.append(uuid.uuid4().hex)
        headers = {"X-Request-ID": ids[-1]}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return call(two_workers, method, path, headers=headers, **kwargs)

    def login() -> str:
        return api("POST", "/api/auth/login",
                   json={"username": name, "password": PASSWORD}).json()["access_token"]

    def refused_everywhere(token: str, code: str) -> None:
        start = len(ids)
        for _ in range(10):
            reply = api("GET", "/api/images/", token)
            assert reply.status_code == 401 and reply.json()["code"] == code, reply.text
        assert len(workers_for(two_workers, ids[start:])) == 2

    assert api("POST", "/api/auth/register", json={"username": name, "email": f"{name}@example.com",
                                                   "password": PASSWORD}).status_code == 201
    main, ended, other = login(), login(), login()
    pat = api("POST", "/api/tokens", main, json={"name": "w", "scopes": ["images:read"]}).json()
    for token in (pat["token"], ended, other):  # warm: every worker has seen each credential
        for _ in range(4):
            assert api("GET", "/api/images/", token).status_code == 200

    assert api("DELETE", f"/api/tokens/{pat['id']}", main).status_code == 204
    refused_everywhere(pat["token"], "invalid_token")
    assert api("POST", "/api/auth/logout", ended).status_code == 204
    refused_everywhere(ended, "session_ended")
    assert api("POST", "/api/auth/password", main, json={
        "current_password": PASSWORD, "new_password": "moved on 12345"}).status_code == 200
    refused_everywhere(other, "session_ended")
    assert api("GET", "/api/images/", main).status_code == 200
