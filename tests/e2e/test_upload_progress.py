"""Live progress while a PUT is under way; a lost connection ends only its own file."""

from __future__ import annotations

import io
import os
import re

from PIL import Image
from playwright.sync_api import expect

from tests.e2e.steps import (
    at,
    choose_files,
    register,
    tiles,
    unique_user,
    upload_row,
    wait_until_finished,
)
from tests.support.images import png

SLOW_UPLOAD = {"offline": False, "latency": 20, "downloadThroughput": -1,
               "uploadThroughput": 40_000}  # bytes per second


def noise_png(side: int) -> bytes:
    """A real PNG of random pixels: it does not compress, so it is big enough to watch."""
    buffer = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(buffer, "PNG")
    return buffer.getvalue()


def test_progress_is_live_and_a_lost_connection_fails_only_that_upload(open_page, console,
                                                                      tmp_path):
    console.expect_error(r"Failed to load resource: net::ERR_CONNECTION_RESET")
    page = open_page()
    register(page, unique_user())
    network = page.context.new_cdp_session(page)
    network.send("Network.enable")
    network.send("Network.emulateNetworkConditions", SLOW_UPLOAD)

    slow = tmp_path / "slow.png"
    slow.write_bytes(noise_png(220))  # ~145 KB: a few seconds at 40 KB/s
    choose_files(page, [slow])
    row = upload_row(page, "slow.png")
    expect(row).to_have_attribute("data-status", "uploading")
    # A percentage strictly between the start and the end: the bar moves as bytes go.
    expect(row.get_by_text(re.compile(r"^([1-9]|[1-9][0-9])%$"))).to_be_visible(timeout=15_000)
    expect(row.get_by_role("progressbar")).to_be_visible()


    # Moving on to the gallery mid-upload does not lose the file: it is confirmed there.
    page.get_by_role("link", name="Gallery", exact=True).click()
    at(page, "/")
    network.send("Network.emulateNetworkConditions", {**SLOW_UPLOAD, "uploadThroughput": -1})
    expect(page.get_by_role("heading", name="Your images")).to_be_visible()
    page.locator("header").get_by_role("link", name="Upload").click()
    at(page, "/upload")
    expect(row).to_have_attribute("data-status", "done", timeout=30_000)
    page.goto("/")
    expect(tiles(page).filter(has_text="slow.png")).to_have_count(1)
    page.goto("/upload")

    # The connection drops under the next PUT (the websocket stays up).
    page.route("**/*", lambda route: route.abort("connectionreset")
               if route.request.method == "PUT" else route.fallback())
    cut, fine = tmp_path / "cut.png", tmp_path / "fine.png"
    cut.write_bytes(png((30, 30)))
    fine.write_bytes(png((40, 40)))
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Choose files").click()
    chooser.value.set_files([str(cut)])
    expect(upload_row(page, "cut.png")).to_have_attribute("data-status", "error")
    expect(upload_row(page, "cut.png").locator(".upload-error")).to_contain_text(
        "connection to the storage was lost")

    page.unroute("**/*")
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Choose files").click()
    chooser.value.set_files([str(fine)])
    wait_until_finished(page, 3)
    expect(upload_row(page, "fine.png")).to_have_attribute("data-status", "done")
