"""Rate limits hit → 429 JSON with Retry-After: login per IP and per account, register per IP,
upload-url and confirm per user. In memory on the embedded backend, in Redis on postgres-s3."""

from __future__ import annotations

import random
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.support.api_client import PASSWORD, Account
from tests.support.server import AppServer, start_app

REDIS_URL = "redis://127.0.0.1:6379/0"
LIMITS = {"IMGHOST_RATE_LIMIT_ENABLED": "true", "IMGHOST_RATE_LIMIT_LOGIN_IP": "6/minute",
          "IMGHOST_RATE_LIMIT_LOGIN_ACCOUNT": "3/minute", "IMGHOST_RATE_LIMIT_REGISTER_IP": "3/minute",
          "IMGHOST_RATE_LIMIT_UPLOAD_USER": "3/minute", "IMGHOST_RATE_LIMIT_CONFIRM_USER": "3/minute",
          # One trusted proxy: each test speaks from its own address via X-Forwarded-For.
          "IMGHOST_TRUSTED_PROXY_HOPS": "1"}


@pytest.fixture(scope="module")
def limited_server(backend, tmp_path_factory) -> Iterator[AppServer]:
    env = {**backend, **LIMITS}
    if "IMGHOST_DATABASE_URL" in backend:
        # Counters outlive a test run in Redis; a fresh prefix starts them at zero.
        env.update(IMGHOST_REDIS_URL=REDIS_URL, IMGHOST_REDIS_PREFIX=f"imghost-test-{uuid.uuid4().hex}")
    server = start_app(env, tmp_path_factory.mktemp("ratelimit"))
    yield server
    server.stop()


@pytest.fixture
def http(limited_server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=limited_server.base_url, timeout=30) as client:
        yield client


def address() -> str:
    return f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"


def from_ip(ip: str) -> dict[str, str]:
    return {"X-Forwarded-For": f"{ip}"}


def register(http: httpx.Client, ip: str) -> httpx.Response:
    name = f"rl_{random.getrandbits(40):x}"
    return http.post("/api/auth/register", headers=from_ip(ip),
                     json={"username": name, "email": f"{name}@example.com", "password": PASSWORD})


def account(http: httpx.Client, ip: str | None = None) -> Account:
    """Signed up and logged in from ip (a random address): that is the owner's home."""
    ip = ip or address()
    created = register(http, ip)
    assert created.status_code == 201, created.text
    user = created.json()
    login = http.post("/api/auth/login", headers=from_ip(ip),
                      json={"username": user["username"], "password": PASSWORD})
    assert login.status_code == 200, login.text
    return Account(user["username"], user["email"], login.json()["access_token"], user["id"])


def assert_limited(reply: httpx.Response) -> None:
    assert reply.status_code == 429, reply.text
    assert reply.headers["content-type"].startswith("application/json")
    assert reply.json()["code"] == "rate_limited"
    assert "Try again in" in reply.json()["detail"]
    assert 1 <= int(reply.headers["Retry-After"]) <= 60


def test_register_per_ip(http):
    ip = address()
    assert [register(http, ip).status_code for _ in range(3)] == [201, 201, 201]
    assert_limited(register(http, ip))
    assert register(http, address()).status_code == 201  # another address is not affected


def test_login_per_account_counts_failures_and_then_locks(http):
    victim, other = account(http), account(http)
    wrong = {"username": victim.username, "password": "not the password"}
    assert [http.post("/api/auth/login", headers=from_ip(address()), json=wrong).status_code
            for _ in range(3)] == [401, 401, 401]
    # From yet another address, even the right password waits: the account is the key
    # (only networks the account logged in from are not held: see the next tests).
    right = {"username": victim.username, "password": PASSWORD}
    assert_limited(http.post("/api/auth/login", headers=from_ip(address()), json=right))
    # The login may be spelled differently (case, email): still the same account key.
    assert_limited(http.post("/api/auth/login", headers=from_ip(address()),
                             json={"username": victim.username.upper(), "password": PASSWORD}))
    ok = http.post("/api/auth/login", headers=from_ip(address()),
                   json={"username": other.username, "password": PASSWORD})
    assert ok.status_code == 200


def test_logins_from_home_are_never_held_by_the_account_limit(http):
    home = address()
    user = account(http, home)
    for _ in range(5):  # more than the account's 3/minute: home is not counted
        reply = http.post("/api/auth/login", headers=from_ip(home),
                          json={"username": user.username, "password": PASSWORD})
        assert reply.status_code == 200


def test_parallel_guesses_are_counted_exactly_and_the_owner_still_gets_in(http, limited_server):
    home = address()
    owner = account(http, home)
    barrier = threading.Barrier(12)

    def guess(number: int) -> int:
        with httpx.Client(base_url=limited_server.base_url, timeout=30) as own:
            barrier.wait()
            return own.post("/api/auth/login", headers=from_ip(address()), json={
                "username": owner.username, "password": f"guess {number}"}).status_code

    with ThreadPoolExecutor(12) as pool:
        codes = list(pool.map(guess, range(12)))
    assert sorted(codes) == [401] * 3 + [429] * 9
    right = {"username": owner.username, "password": PASSWORD}
    assert http.post("/api/auth/login", headers=from_ip(home), json=right).status_code == 200
    assert_limited(http.post("/api/auth/login", headers=from_ip(address()), json=right))


def test_login_per_ip(http):
    ip = address()
    replies = [http.post("/api/auth/login", headers=from_ip(ip),
                         json={"username": f"nobody{uuid.uuid4().hex}", "password": "whatever1"}
                         ).status_code for _ in range(6)]
    assert replies == [401] * 6
    assert_limited(http.post("/api/auth/login", headers=from_ip(ip),
                             json={"username": "nobody", "password": "whatever1"}))


def test_upload_url_per_user(http):
    first, second = account(http), account(http)
    body = {"filename": "a.png", "content_type": "image/png", "size_bytes": 100}
    for _ in range(3):
        assert http.post("/api/images/upload-url", headers=first.headers, json=body).status_code == 200
    assert_limited(http.post("/api/images/upload-url", headers=first.headers, json=body))
    assert http.post("/api/images/upload-url", headers=second.headers, json=body).status_code == 200


def test_confirm_per_user(http):
    first, second = account(http), account(http)

    def confirm(who: Account):
        key = f"{who.user_id}/{uuid.uuid4().hex}.png"  # well formed, never granted
        return http.post("/api/images/confirm", headers=who.headers,
                         json={"r2_key": key, "filename": "a.png", "size_bytes": 100})

    assert [confirm(first).status_code for _ in range(3)] == [404, 404, 404]
    assert_limited(confirm(first))
    assert confirm(second).status_code == 404


def test_unauthenticated_upload_is_401_not_counted(http):
    body = {"filename": "a.png", "content_type": "image/png", "size_bytes": 100}
    for _ in range(5):
        assert http.post("/api/images/upload-url", json=body).status_code == 401


def test_forwarded_for_is_ignored_without_trusted_proxies(backend, tmp_path):
    env = {**backend, **LIMITS, "IMGHOST_TRUSTED_PROXY_HOPS": "0",
           "IMGHOST_RATE_LIMIT_REGISTER_IP": "2/minute"}
    env.pop("IMGHOST_REDIS_URL", None)
    server = start_app(env, tmp_path)
    try:
        with httpx.Client(base_url=server.base_url, timeout=30) as http:
            # A client that makes up a new X-Forwarded-For each time is still one address.
            codes = [register(http, address()).status_code for _ in range(3)]
        assert codes == [201, 201, 429]
    finally:
        server.stop()
