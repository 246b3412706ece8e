"""Browser tests: the real app (granian, prebuilt pages) on both backends, in Chromium."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import DESKTOP, ConsoleLog
from tests.support.frontend import start_app_with_pages
from tests.support.server import AppServer

# Small enough that the "too large" test file stays small.
MAX_UPLOAD_BYTES = 300_000

E2E_DIR = Path(__file__).resolve().parent

# What a page shows after a server round trip (an upload's row comes after the page's
# state has been told over the websocket) took over expect's 5 s default on these
# shared 2-core machines during full runs (test_drop_and_paste_upload_too at load 5-11).
# A wait for something that never comes still fails, 15 s later.
expect.set_options(timeout=15_000)


def pytest_collection_modifyitems(config, items) -> None:
    # `pytest -m "not e2e"` skips the browser tests (a conftest's pytestmark would not).
    for item in items:
        if E2E_DIR in Path(item.fspath).resolve().parents:
            item.add_marker(pytest.mark.e2e)
    # The pages look the same on both backends: screenshots are taken once, on the
    # embedded one (the S3 flow saves its own large-view shot).
    twins = [item for item in items if item.originalname == "test_screenshots"
             and getattr(item, "callspec", None) and item.callspec.params.get("backend") != "embedded"]
    if twins:
        config.hook.pytest_deselected(items=twins)
        items[:] = [item for item in items if item not in twins]


@pytest.fixture(scope="session")
def ui_server(backend, tmp_path_factory, request) -> Iterator[AppServer]:
    """imghost with its pages, built for its own port (the websocket URL is baked in)."""
    env = {**backend, "IMGHOST_MAX_UPLOAD_BYTES": str(MAX_UPLOAD_BYTES)}
    server = start_app_with_pages(env, tmp_path_factory.mktemp("ui"))
    if "IMGHOST_S3_ENDPOINT_URL" in backend:
        # The browser PUTs cross-origin to SeaweedFS: the bucket must allow the page origin.
        request.getfixturevalue("seaweed").allow_origins([server.base_url])
    yield server
    server.stop()


@pytest.fixture
def console() -> Iterator[ConsoleLog]:
    log = ConsoleLog()
    yield log
    assert log.errors == [], "browser console errors:\n" + "\n".join(log.errors)


@pytest.fixture
def open_page(browser, ui_server, console) -> Iterator[Callable[..., Page]]:
    """A fresh browser context (own localStorage) per call, console errors collected."""
    contexts = []

    def make(viewport: dict = DESKTOP, color_scheme: str = "light", **options) -> Page:
        context = browser.new_context(
            base_url=ui_server.base_url, viewport=viewport, color_scheme=color_scheme,
            permissions=["clipboard-read", "clipboard-write"], **options)
        context.set_default_timeout(20_000)
        contexts.append(context)
        return console.watch(context.new_page())

    yield make
    for context in contexts:
        context.close()
