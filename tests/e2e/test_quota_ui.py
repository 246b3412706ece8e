"""The upload page shows how much of the quota is used, and updates it after an upload."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.steps import at, choose_files, register, unique_user, wait_until_finished
from tests.support.images import png


def test_upload_page_shows_storage_used(open_page, tmp_path):
    page = open_page()
    register(page, unique_user("quota"))
    page.goto("/upload")
    at(page, "/upload")
    usage = page.locator("#storage-usage")
    expect(usage).to_have_text("0 bytes of 10 GB used")
    path = tmp_path / "small.png"
    path.write_bytes(png((300, 200)))
    choose_files(page, [path])
    wait_until_finished(page, 1)
    expect(usage).to_have_text(re.compile(r"^[0-9.]+ (bytes|KB) of 10 GB used$"))
    expect(usage).not_to_have_text("0 bytes of 10 GB used")
