"""Each action test gets a runtime of its own: a fresh metrics registry, tight rate limits
and a clock it controls, on both real configurations (SQLite + disk, PostgreSQL + S3)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client import CollectorRegistry

from imghost.migrations import upgrade_to_head
from imghost.runtime import Runtime
from imghost.services.metrics import Metrics
from imghost.settings import load_settings

LIMITS = {"rate_limit_enabled": True, "rate_limit_register_ip": "3/hour",
          "rate_limit_login_ip": "5/minute", "rate_limit_login_account": "3 per 15 minutes",
          "rate_limit_upload_user": "4/minute"}


class Clock:
    def __init__(self):
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def make_runtime(backend, monkeypatch, clock) -> Iterator:
    """make_runtime(**settings) -> a Runtime on the backend with those settings changed."""
    for name, value in backend.items():
        monkeypatch.setenv(name, value)
    made: list[Runtime] = []

    def make(**changes) -> Runtime:
        settings = load_settings().model_copy(update={**LIMITS, **changes})
        upgrade_to_head(settings.resolved_database_url)
        runtime = Runtime(settings, metrics=Metrics(CollectorRegistry()), clock=clock)
        made.append(runtime)
        return runtime

    yield make
    for runtime in made:
        runtime.thumbnails.wait_until_idle()
        runtime.close()


@pytest.fixture
def runtime(make_runtime) -> Runtime:
    return make_runtime()
