"""What a user does in the browser, as reusable steps for the e2e tests."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from playwright.sync_api import Page, expect

PASSWORD = "correct horse battery"


def unique_user(prefix: str = "ui") -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def at(page: Page, path: str) -> None:
    """Wait until the browser shows `path` (Reflex may add a trailing slash)."""
    expect(page).to_have_url(re.compile(rf"^https?://[^/]+{re.escape(path.rstrip('/'))}/?$"))


def register(page: Page, username: str, password: str = PASSWORD) -> None:
    page.goto("/register")
    page.fill("#field-username", username)
    page.fill("#field-email", f"{username}@example.com")
    page.fill("#field-password", password)
    page.fill("#field-password2", password)
    page.get_by_role("button", name="Create account").click()
    at(page, "/")
    expect(page.get_by_role("heading", name="Your images")).to_be_visible()


def login(page: Page, username: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.fill("#field-login", username)
    page.fill("#field-password", password)
    # Enter submits, as in any form (once the page is live: the button says when).
    expect(page.get_by_role("button", name="Log in")).to_be_enabled()
    page.press("#field-password", "Enter")
    at(page, "/")
    expect(page.get_by_role("heading", name="Your images")).to_be_visible()


def choose_files(page: Page, paths: list[Path]) -> None:
    """Upload through the real file chooser, as a user clicking "Choose files"."""
    page.goto("/upload")
    expect(page.locator("#imghost-dropzone")).to_be_visible()
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Choose files").click()
    assert chooser.value.is_multiple()
    chooser.value.set_files([str(path) for path in paths])


def upload_row(page: Page, filename: str):
    return page.locator(".upload-row").filter(has_text=filename)


def wait_until_finished(page: Page, count: int) -> None:
    rows = page.locator(".upload-row")
    # The rows appear once the chosen files have gone through the event websocket:
    # seconds on a loaded machine (expect's own 5 s default failed 2 runs in 3 there).
    expect(rows).to_have_count(count, timeout=20_000)
    for index in range(count):
        expect(rows.nth(index)).to_have_attribute("data-status", re.compile("^(done|error)$"),
                                                  timeout=30_000)


def tiles(page: Page):
    return page.locator(".gallery-tile")
