"""The UI is no way around the API's rate limits (own server: the others run without them)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.e2e.steps import at, register, unique_user
from tests.support.frontend import start_app_with_pages
from tests.support.server import AppServer


@pytest.fixture(scope="module")
def limited_server(tmp_path_factory) -> Iterator[AppServer]:
    env = {"IMGHOST_DATA_DIR": str(tmp_path_factory.mktemp("data-limited")),
           "IMGHOST_BCRYPT_ROUNDS": "4", "IMGHOST_RATE_LIMIT_ENABLED": "true",
           # The browser signed up from this address, so the account limit does not hold
           # it (a stranger cannot lock its owner out); the per-address limit does.
           "IMGHOST_RATE_LIMIT_LOGIN_IP": "3/minute"}
    server = start_app_with_pages(env, tmp_path_factory.mktemp("limited"))
    yield server
    server.stop()


def test_failed_logins_in_the_ui_are_rate_limited(browser, console, limited_server):
    context = browser.new_context(base_url=limited_server.base_url)
    page = console.watch(context.new_page())
    user = unique_user()
    register(page, user)
    page.get_by_role("button", name="Log out").click()
    at(page, "/login")

    def attempt(password: str) -> None:
        page.fill("#field-login", user)
        page.fill("#field-password", password)
        page.get_by_role("button", name="Log in").click()

    for number in range(3):
        attempt(f"wrong password {number}")
        expect(page.locator("#form-error")).to_have_text("Wrong username or password.")
        page.locator("#field-password").fill("")
    attempt("wrong password 3")
    expect(page.locator("#form-error")).to_contain_text("Too many login attempts from your address")
    context.close()
