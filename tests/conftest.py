"""Shared fixtures: every backend-facing test runs against both real configurations.

- "embedded": SQLite + local disk (what `make run` serves)
- "postgres-s3": PostgreSQL on this machine + a real SeaweedFS S3 server
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.postgres import throwaway_database
from tests.support.seaweed import SeaweedS3, start_seaweed
from tests.support.server import AppServer, start_app

BACKENDS = ["embedded", "postgres-s3"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
# Fast hashing for the many accounts tests create; the default (12) has its own test.
TEST_BCRYPT_ROUNDS = "4"


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    with throwaway_database() as url:
        yield url


@pytest.fixture(scope="session")
def seaweed(tmp_path_factory) -> Iterator[SeaweedS3]:
    server = start_seaweed(tmp_path_factory.mktemp("weed"))
    yield server
    server.stop()


def backend_env(kind: str, request, tmp_path_factory) -> dict[str, str]:
    env = {"IMGHOST_DATA_DIR": str(tmp_path_factory.mktemp(f"data-{kind}")),
           "IMGHOST_BCRYPT_ROUNDS": TEST_BCRYPT_ROUNDS,
           # Tests sign up and log in far faster than people; the limits have their
           # own tests (tests/api/test_rate_limit.py), which turn them back on.
           "IMGHOST_RATE_LIMIT_ENABLED": "false"}
    if kind == "postgres-s3":
        seaweed: SeaweedS3 = request.getfixturevalue("seaweed")
        env.update(seaweed.env())
        env["IMGHOST_DATABASE_URL"] = request.getfixturevalue("postgres_url")
        env["IMGHOST_JWT_SECRET"] = secrets.token_urlsafe(48)
    return env


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request, tmp_path_factory) -> dict[str, str]:
    """The IMGHOST_* environment of one real configuration."""
    return backend_env(request.param, request, tmp_path_factory)


@pytest.fixture(scope="session")
def app_server(backend, tmp_path_factory, request) -> Iterator[AppServer]:
    """A real imghost server (API only) for the backend."""
    server = start_app(backend, tmp_path_factory.mktemp("logs"))
    if "IMGHOST_S3_ENDPOINT_URL" in backend:
        request.getfixturevalue("seaweed").allow_origins([server.base_url])
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    """One Debian Chromium for the whole session: Playwright's sync API allows one instance."""
    from playwright.sync_api import sync_playwright

    from tests.support.browser import launch

    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def client(app_server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=app_server.base_url, timeout=30) as http:
        yield http


def use_environment(env: dict[str, str], monkeypatch):
    """Point the in-process runtime at a configuration; returns that runtime."""
    from imghost.migrations import upgrade_to_head
    from imghost.runtime import get_runtime, reset_runtime

    for name in [n for n in os.environ if n.startswith("IMGHOST_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        if name.startswith("IMGHOST_"):
            monkeypatch.setenv(name, value)
    reset_runtime()
    runtime = get_runtime()
    upgrade_to_head(runtime.settings.resolved_database_url)
    return runtime


@pytest.fixture
def configured(backend, monkeypatch):
    """The in-process runtime on the backend (for action-level tests)."""
    from imghost.runtime import reset_runtime

    yield use_environment(backend, monkeypatch)
    reset_runtime()


@pytest.fixture
def s3_configured(request, tmp_path_factory, monkeypatch):
    """The in-process runtime on PostgreSQL + SeaweedFS only (for what only a bucket has)."""
    from imghost.runtime import reset_runtime

    env = backend_env("postgres-s3", request, tmp_path_factory)
    yield use_environment(env, monkeypatch)
    reset_runtime()


@pytest.fixture
def served(app_server, monkeypatch) -> Iterator[AppServer]:
    """The running server, with the in-process runtime on its configuration (same DB,
    storage, secret): get_runtime() reaches what the server stores."""
    from imghost.runtime import reset_runtime

    use_environment(app_server.env, monkeypatch)
    yield app_server
    reset_runtime()
