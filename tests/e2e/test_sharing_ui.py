"""Sharing in the UI, on both backends: make albums, upload into one with an expiry,
share an image from the viewer, add it to another album, share that album; then the
public pages as a stranger sees them (screenshots in test-artifacts/sharing-*.png)."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import Page, expect

from tests.e2e.steps import at, choose_files, register, tiles, unique_user, wait_until_finished
from tests.e2e.test_screenshots import picture, settle
from tests.e2e.test_ui_flow import backend_name
from tests.support.browser import PHONE


def pick(page: Page, trigger: str, option: str) -> None:
    """Choose an entry of a Radix select, as a user clicking it."""
    page.locator(trigger).click()
    page.get_by_role("option", name=option, exact=True).click()


def make_album(page: Page, title: str) -> None:
    page.goto("/albums")
    expect(page.get_by_role("heading", name="Albums")).to_be_visible()
    expect(page.locator("#album-create")).to_be_enabled()
    page.fill("#album-title", title)
    page.locator("#album-create").click()
    expect(page.locator("#album-heading")).to_have_text(title)


def test_albums_expiry_and_sharing_through_the_ui(open_page, ui_server, tmp_path, artifacts_dir):
    name = backend_name(ui_server)
    page = open_page()
    register(page, unique_user("share"))
    make_album(page, "Trip")
    expect(page.locator("#album-empty")).to_be_visible()
    make_album(page, "Favourites")
    page.screenshot(path=artifacts_dir / f"sharing-{name}-album-empty.png", full_page=True)

    # Upload two files into "Trip", living one day.
    files = []
    for filename, size, top, bottom in (("dawn.png", (900, 600), (250, 180, 120), (90, 60, 140)),
                                        ("lake.png", (600, 900), (120, 190, 240), (20, 60, 90))):
        path = tmp_path / filename
        path.write_bytes(picture(size, top, bottom))
        files.append(path)
    page.goto("/upload")
    pick(page, "#upload-album", "Trip")
    pick(page, "#upload-expiry", "1 day")
    choose_files(page, files)
    wait_until_finished(page, 2)
    expect(page.locator(".upload-row[data-status=done]")).to_have_count(2)
    page.screenshot(path=artifacts_dir / f"sharing-{name}-upload.png", full_page=True)

    # The viewer: the page link, the expiry, "Add to album".
    page.goto("/")
    expect(tiles(page)).to_have_count(2)
    tiles(page).filter(has_text="dawn.png").click()
    page_link = page.locator("#viewer-page-link")
    expect(page_link).to_contain_text("/i/")
    expect(page.locator("#viewer-expires")).to_contain_text("UTC")  # 1 day, from the upload
    pick(page, "#viewer-expiry", "Never expires")
    expect(page.locator("#viewer-expires")).to_have_text("Never")
    pick(page, "#viewer-expiry", "1 hour")
    expect(page.locator("#viewer-expires")).to_contain_text("UTC")
    pick(page, "#viewer-add-to-album", "Favourites")
    expect(page.get_by_text("Added to Favourites.")).to_be_visible()
    page.get_by_role("button", name="Copy page link").click()
    expect(page.get_by_text("Copied to the clipboard.")).to_be_visible()
    copied = page.evaluate("navigator.clipboard.readText()")
    image_page_url = page_link.inner_text()
    assert copied == image_page_url and "/i/" in copied
    page.screenshot(path=artifacts_dir / f"sharing-{name}-viewer.png", animations="disabled")
    page.keyboard.press("Escape")

    # Albums: Trip has both uploads, Favourites the one added; share Favourites.
    page.goto("/albums")
    cards = page.locator(".album-card")
    expect(cards).to_have_count(2)
    expect(cards.filter(has_text="Trip")).to_contain_text("2 images")
    page.screenshot(path=artifacts_dir / f"sharing-{name}-albums.png", full_page=True)
    cards.filter(has_text="Favourites").click()
    expect(page.locator("#album-heading")).to_have_text("Favourites")
    expect(page.locator(".album-tile")).to_have_count(1)
    page.locator("#album-shared").click()
    share = page.locator("#album-share-url")
    expect(share).to_contain_text("/a/")
    share_url = share.inner_text()
    page.screenshot(path=artifacts_dir / f"sharing-{name}-album-shared.png", full_page=True)

    # What a stranger sees (a fresh context: no token).
    for scheme in ("light", "dark"):
        for label, viewport in (("desktop", None), ("phone", PHONE)):
            stranger = open_page(color_scheme=scheme, **({"viewport": viewport} if viewport else {}))
            for kind, url in (("image", image_page_url), ("album", share_url)):
                stranger.goto(url)
                settle(stranger)
                if kind == "image":
                    expect(stranger.locator("h1")).to_have_text("dawn.png")
                    expect(stranger.locator("#copy-markdown")).to_have_value(re.compile(r"^\[!\["))
                else:
                    expect(stranger.locator("h1")).to_have_text("Favourites")
                    expect(stranger.locator(".grid img")).to_have_count(1)
                stranger.screenshot(path=artifacts_dir / f"sharing-{name}-{kind}-page-{label}-{scheme}.png",
                                    full_page=True)

    # Sharing off: the link is dead.
    page.locator("#album-shared").click()
    expect(page.get_by_text("Only you can see this album.")).to_be_visible()
    assert httpx.get(share_url, timeout=30).status_code == 404
    at(page, page.url.replace(ui_server.base_url, ""))
