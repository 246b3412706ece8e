"""The Settings page in Chromium: API tokens with their client configs, sessions, password.

The .sxcu file is downloaded as a user would and replayed the way ShareX sends it.
Screenshots land in test-artifacts/settings-*.png.
"""

from __future__ import annotations

import json
import re
import subprocess

import httpx
from playwright.sync_api import expect

from tests.e2e.steps import PASSWORD, at, login, register, unique_user
from tests.support.browser import PHONE
from tests.support.images import png


def sharex_upload(config: dict, data: bytes) -> httpx.Response:
    """What ShareX does with a custom uploader: its method, URL, headers and file field."""
    assert config["Body"] == "MultipartFormData"
    return httpx.request(config["RequestMethod"], config["RequestURL"], headers={
        **config["Headers"], "User-Agent": "ShareX/15.0.0"},
        files={config["FileFormName"]: ("ShareX_2026-11-29.png", data, "image/png")}, timeout=30)


def resolve(template: str, answer: dict) -> str:
    """ShareX's {json:field} syntax."""
    return re.sub(r"\{json:([a-z_]+)\}", lambda m: str(answer[m.group(1)]), template)


def token_in_browser(page) -> str:
    return page.evaluate("localStorage.getItem('imghost_token')")


def test_tokens_sharex_curl_sessions_and_password(open_page, ui_server, tmp_path, artifacts_dir):
    page = open_page()
    user = unique_user("settings")
    register(page, user)
    page.get_by_role("link", name="Settings").click()
    at(page, "/settings")
    expect(page.get_by_role("heading", name="Settings")).to_be_visible()
    expect(page.locator("#settings-usage")).to_contain_text("0 images")
    expect(page.locator(".session-row")).to_have_count(1)

    page.fill("#token-name", "ShareX on the desktop")
    page.get_by_role("button", name="Create token").click()
    token = page.locator("#new-token")
    expect(token).to_have_text(re.compile(r"^imghost_pat_[0-9A-Za-z]{43}$"))
    expect(page.locator(".token-row")).to_have_count(1)
    expect(page.locator(".token-row")).to_contain_text("images:write")
    page.screenshot(path=str(artifacts_dir / "settings-token-desktop-light.png"), full_page=True)

    with page.expect_download() as download:
        page.get_by_role("button", name="Download ShareX config").click()
    assert download.value.suggested_filename.endswith(".sxcu")
    config = json.loads(open(download.value.path()).read())
    assert config["RequestURL"] == f"{ui_server.base_url}/api/images"
    assert config["Headers"]["Authorization"] == f"Bearer {token.inner_text()}"
    assert (config["URL"], config["ErrorMessage"]) == ("{json:url}", "{json:detail}")
    answer = sharex_upload(config, png((120, 80)))
    assert answer.status_code == 201, answer.text
    image = httpx.get(resolve(config["URL"], answer.json()), follow_redirects=True, timeout=30)
    assert image.status_code == 200 and image.content.startswith(b"\x89PNG")
    assert httpx.get(resolve(config["ThumbnailURL"], answer.json()), follow_redirects=True,
                     timeout=30).status_code == 200
    confirm_page = httpx.get(resolve(config["DeletionURL"], answer.json()), timeout=30)
    assert confirm_page.status_code == 200 and "Delete this image?" in confirm_page.text
    refused = sharex_upload(config, b"not an image at all")
    assert refused.status_code == 400 and resolve(config["ErrorMessage"], refused.json())

    page.get_by_role("button", name="Copy curl command").click()
    curl = page.evaluate("navigator.clipboard.readText()")
    (tmp_path / "screenshot.png").write_bytes(png((30, 30)))
    ran = subprocess.run(curl, shell=True, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert json.loads(ran.stdout)["url"].startswith("http"), ran.stdout + ran.stderr

    page.get_by_role("button", name="Done, I saved it").click()
    expect(page.locator("#new-token")).to_have_count(0)
    page.get_by_role("button", name="Revoke token ShareX on the desktop").click()
    expect(page.locator(".token-row")).to_have_count(0)
    assert sharex_upload(config, png()).status_code == 401

    # A second device; ending its session from here signs it out there.
    other = open_page()
    login(other, user)
    page.reload()
    expect(page.locator(".session-row")).to_have_count(2)
    expect(page.locator("#settings-usage")).to_contain_text("2 images")
    page.screenshot(path=str(artifacts_dir / "settings-sessions-desktop-light.png"),
                    full_page=True)
    page.get_by_role("button", name="End this session").click()
    expect(page.locator(".session-row")).to_have_count(1)
    other.goto("/upload")
    at(other, "/login")
    expect(other.locator("#login-notice")).to_have_text(
        "Your session was ended; please log in again.")

    # The password: a wrong current one is refused; the right one logs the others out.
    login(other, user)
    page.fill("#current_password", "not my password")
    page.fill("#new_password", "a brand new password")
    page.fill("#new_password2", "a brand new password")
    page.get_by_role("button", name="Change password").click()
    expect(page.locator("#password-error")).to_have_text("The current password is wrong.")
    page.fill("#current_password", PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(page.locator("#password-notice")).to_have_text(
        "Password changed. 1 other session ended.")
    other.goto("/upload")
    at(other, "/login")

    # "Log out" ends the session on the server: a copy of the token is useless after.
    kept = token_in_browser(page)
    page.get_by_role("button", name="Log out", exact=True).click()
    at(page, "/login")
    me = httpx.get(f"{ui_server.base_url}/api/auth/me", headers={"Authorization": f"Bearer {kept}"})
    assert me.status_code == 401 and me.json()["code"] == "session_ended"
    login(page, user, "a brand new password")


def test_settings_on_a_phone_in_dark_mode_and_log_out_everywhere(open_page, ui_server,
                                                                 artifacts_dir):
    page = open_page(viewport=PHONE, color_scheme="dark")
    user = unique_user("phone")
    register(page, user)
    page.goto("/settings")
    page.fill("#token-name", "Flameshot")
    page.locator("#scope-images\\:read").click()
    page.get_by_role("button", name="Create token").click()
    expect(page.locator("#new-token")).to_be_visible()
    expect(page.locator(".token-row")).to_contain_text("images:read, images:write")
    expect(page.locator("#flameshot-script")).to_contain_text("flameshot gui -r")
    page.screenshot(path=str(artifacts_dir / "settings-token-phone-dark.png"), full_page=True)
    token = page.locator("#new-token").inner_text()
    page.get_by_role("button", name="Done, I saved it").click()
    page.screenshot(path=str(artifacts_dir / "settings-phone-dark.png"), full_page=True)
    kept = token_in_browser(page)
    page.get_by_role("button", name="Log out everywhere").click()
    at(page, "/login")
    expect(page.locator("#login-notice")).to_have_text("You have been logged out everywhere.")
    me = httpx.get(f"{ui_server.base_url}/api/auth/me", headers={"Authorization": f"Bearer {kept}"})
    assert me.status_code == 401
    # API tokens are not sessions: they keep working until revoked.
    assert httpx.get(f"{ui_server.base_url}/api/images/",
                     headers={"Authorization": f"Bearer {token}"}).status_code == 200
