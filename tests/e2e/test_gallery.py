"""The gallery with a big library, in Chromium: bounded pages and the address, the viewer's
keys and deep links, selection with bulk delete and zip, search and filters, and an
axe-core audit of every state, light and dark. Screenshots land in test-artifacts/."""

from __future__ import annotations

import io
import re
import time
import zipfile

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import create_engine

from imghost.ui.state.gallery_window import PAGE_SIZE, SLOTS
from tests.e2e.a11y import audit
from tests.e2e.steps import tiles
from tests.e2e.test_screenshots import PICTURES, picture
from tests.support.api_client import Account, new_account, upload_image
from tests.support.browser import PHONE
from tests.support.gallery_seed import seed_images

LIBRARY = 7 * PAGE_SIZE  # seeded rows, on top of the real uploads
TOKEN_KEY = "imghost_token"


def database_url(env: dict[str, str]) -> str:
    return env.get("IMGHOST_DATABASE_URL") or f"sqlite:///{env['IMGHOST_DATA_DIR']}/imghost.db"


def real_uploads(client: httpx.Client, account: Account) -> list[dict]:
    made = []
    for name, (size, top, bottom, fmt) in PICTURES.items():
        made.append(upload_image(client, account, picture(size, top, bottom, fmt),
                                 "image/png" if fmt == "PNG" else "image/jpeg", name))
    return made


def wait_for_thumbnails(client: httpx.Client, account: Account, count: int) -> None:
    for _ in range(120):
        listed = client.get("/api/images", headers=account.headers,
                            params={"sort": "oldest", "limit": count}).json()["images"]
        if all(image["blurhash"] for image in listed):
            return
        time.sleep(0.25)
    raise AssertionError("the pipeline did not make the thumbnails")


@pytest.fixture(scope="module")
def big_library(ui_server) -> Account:
    """A user with 4 real pictures and LIBRARY rows borrowing them (seconds, not minutes)."""
    with httpx.Client(base_url=ui_server.base_url, timeout=30) as client:
        account = new_account(client, "big")
        real_uploads(client, account)
        wait_for_thumbnails(client, account, len(PICTURES))
    engine = create_engine(database_url(ui_server.env))
    seed_images(engine, account.user_id, LIBRARY)
    engine.dispose()
    return account


def signed_in(open_page, account: Account, path: str = "/", **options) -> Page:
    page = open_page(**options)
    page.goto("/login")
    page.evaluate("([k, v]) => localStorage.setItem(k, v)", [TOKEN_KEY, account.token])
    page.goto(path)
    if "image=" not in path:  # else the viewer opens, and hides the page from the a11y tree
        expect(page.get_by_role("heading", name="Your images")).to_be_visible()
    return page


def first_visible_tile(page: Page) -> tuple[str, float]:
    return tuple(page.evaluate("""() => {
        const tile = Array.from(document.querySelectorAll('.gallery-tile'))
            .find(t => t.getBoundingClientRect().top >= 60);
        return [tile.dataset.id, tile.getBoundingClientRect().top];
    }"""))


def scroll_to_end_of_window(page: Page) -> None:
    before = page.locator("#load-more").get_attribute("data-cursor")
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    expect(page.locator("#load-more")).not_to_have_attribute("data-cursor", before or "")


def shot(page: Page, artifacts_dir, name: str) -> None:
    page.wait_for_timeout(300)
    page.screenshot(path=artifacts_dir / f"{name}.png", animations="disabled")


def test_scrolling_keeps_the_dom_bounded_and_the_place_in_the_address(
        open_page, big_library, artifacts_dir):
    page = signed_in(open_page, big_library)
    expect(tiles(page)).to_have_count(PAGE_SIZE)
    expect(page.locator("#gallery-count")).to_have_text(f"{LIBRARY + len(PICTURES)} images")
    for loaded in range(2, SLOTS + 3):
        scroll_to_end_of_window(page)
        expect(tiles(page)).to_have_count(min(loaded, SLOTS) * PAGE_SIZE)
    # Far pages were dropped: the first image is gone from the DOM, the newest page is in.
    expect(page.locator(".gallery-tile").filter(has_text=f"photo-{LIBRARY - 1:05d}.jpg")
           ).to_have_count(0)
    expect(page.get_by_role("button", name="Show newer images")).to_be_attached()
    assert re.search(r"[?&]at=", page.url)
    # Dropping a page above must not move what the user looks at (scroll anchoring):
    # load the next page without scrolling, as the infinite scroll does ahead of time.
    page.evaluate("window.scrollBy(0, -1500)")
    seen_id, seen_top = first_visible_tile(page)
    page.evaluate("document.getElementById('load-more').click()")
    next_first = f"photo-{LIBRARY - 1 - (SLOTS + 2) * PAGE_SIZE:05d}.jpg"
    expect(page.locator(".gallery-tile").filter(has_text=next_first)).to_have_count(1)
    moved = page.locator(f'.gallery-tile[data-id="{seen_id}"]').bounding_box()["y"]
    assert abs(moved - seen_top) < 40, (seen_top, moved)
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    expect(page.locator("#load-more")).to_have_count(0)  # the end of the library
    expect(tiles(page).last).to_contain_text("dawn.png")  # the oldest upload
    saved = page.url
    shot(page, artifacts_dir, "gallery-scrolled-desktop-light")

    # Reload: the same place, with the way up above it.
    page.reload()
    expect(page.get_by_role("button", name="Show newer images")).to_be_visible()
    expect(tiles(page)).to_have_count(PAGE_SIZE)
    first = tiles(page).first.get_attribute("data-id")
    at_top = page.url
    assert at_top == saved
    anchor_top = page.locator(f'.gallery-tile[data-id="{first}"]').bounding_box()["y"]
    page.get_by_role("button", name="Show newer images").click()
    expect(tiles(page)).to_have_count(2 * PAGE_SIZE)
    # In the DOM too (reading and Tab order): the newer page comes first.
    assert tiles(page).nth(PAGE_SIZE).get_attribute("data-id") == first
    # The page above arrived without pushing the one being read away.
    moved = page.locator(f'.gallery-tile[data-id="{first}"]').bounding_box()["y"]
    assert abs(moved - anchor_top) < 40, (anchor_top, moved)


def test_viewer_keys_details_and_deep_links(open_page, big_library, artifacts_dir):
    page = signed_in(open_page, big_library)
    second = tiles(page).nth(1)
    second_id = second.get_attribute("data-id")
    second.locator(".tile-open").focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("heading", name=f"photo-{LIBRARY - 2:05d}.jpg")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"[?&]image={second_id}\b"))
    for text in ("Dimensions", "Size", "Type", "Uploaded", "image/", "px"):
        expect(dialog).to_contain_text(text)
    page.keyboard.press("ArrowRight")
    expect(dialog.get_by_role("heading", name=f"photo-{LIBRARY - 3:05d}.jpg")).to_be_visible()
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    expect(dialog.get_by_role("heading", name=f"photo-{LIBRARY - 1:05d}.jpg")).to_be_visible()
    expect(page.locator("#viewer-prev")).to_be_disabled()  # the first image: nothing before
    shot(page, artifacts_dir, "gallery-viewer-desktop-light")
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(page).not_to_have_url(re.compile(r"image="))

    # A shared link opens the viewer at once, even for an image far down the library.
    with httpx.Client(base_url=page.url.split("/?")[0].rstrip("/"), timeout=30) as client:
        oldest = client.get("/api/images", headers=big_library.headers,
                            params={"sort": "oldest", "limit": 1}).json()["images"][0]
    deep = signed_in(open_page, big_library, f"/?image={oldest['id']}")
    expect(deep.get_by_role("dialog").get_by_role("heading", name=oldest["filename"])
           ).to_be_visible()
    expect(deep.get_by_role("dialog")).to_contain_text(oldest["content_type"])
    # Swipes move like the arrow keys (a phone).
    phone = signed_in(open_page, big_library, f"/?image={second_id}", viewport=PHONE,
                      has_touch=True, color_scheme="dark")
    expect(phone.get_by_role("dialog").get_by_role("heading",
                                                   name=f"photo-{LIBRARY - 2:05d}.jpg")).to_be_visible()
    phone.evaluate("""() => {
        const area = document.getElementById('viewer-picture');
        const at = x => [new Touch({identifier: 1, target: area, clientX: x, clientY: 300})];
        const start = at(300), end = at(120);
        area.dispatchEvent(new TouchEvent('touchstart', {
            touches: start, targetTouches: start, changedTouches: start, bubbles: true}));
        area.dispatchEvent(new TouchEvent('touchend', {
            touches: [], targetTouches: [], changedTouches: end, bubbles: true}));
    }""")
    expect(phone.get_by_role("dialog").get_by_role("heading",
                                                   name=f"photo-{LIBRARY - 3:05d}.jpg")).to_be_visible()
    shot(phone, artifacts_dir, "gallery-viewer-phone-dark")
    # An id that is not the user's: a message, no viewer.
    stranger = signed_in(open_page, big_library, "/?image=2147483000")
    expect(stranger.get_by_text("That image does not exist (any more).")).to_be_visible()
    expect(stranger.get_by_role("dialog")).to_have_count(0)


def test_selection_bulk_delete_and_zip(open_page, ui_server, artifacts_dir):
    with httpx.Client(base_url=ui_server.base_url, timeout=30) as client:
        account = new_account(client, "select")
        made = real_uploads(client, account) + real_uploads(client, account)
        album = client.post("/api/albums", headers=account.headers,
                            json={"title": "Picked"}).json()
    page = signed_in(open_page, account)
    expect(tiles(page)).to_have_count(len(made))
    checks = page.locator(".tile-check")
    checks.nth(0).click()
    checks.nth(3).click(modifiers=["Shift"])
    expect(page.locator("#selection-count")).to_have_text("4 selected")
    expect(page.locator('.gallery-tile[data-selected="true"]')).to_have_count(4)
    # While selecting, a click on a tile selects it instead of opening it.
    tiles(page).nth(5).click()
    expect(page.locator("#selection-count")).to_have_text("5 selected")
    expect(page.get_by_role("dialog")).to_have_count(0)
    shot(page, artifacts_dir, "gallery-selection-desktop-light")
    page.get_by_role("button", name="Select all loaded").click()
    expect(page.locator("#selection-count")).to_have_text(f"{len(made)} selected")
    page.get_by_role("button", name="Clear").click()
    expect(page.locator("#selection-bar")).to_have_count(0)

    # Keyboard only: Tab to a checkbox, Space selects.
    checks.nth(1).focus()
    page.keyboard.press("Space")
    checks.nth(2).focus()
    page.keyboard.press("Space")
    expect(page.locator("#selection-count")).to_have_text("2 selected")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download zip").click()
    archive = zipfile.ZipFile(io.BytesIO(open(download.value.path(), "rb").read()))
    assert len(archive.namelist()) == 2 and archive.testzip() is None

    # The same two into an album, and expiring in a day, in one go each.
    page.locator("#selection-album").click()
    page.get_by_role("option", name="Picked").click()
    expect(page.get_by_text("Added 2 images to Picked.")).to_be_visible()
    page.locator("#selection-expiry").click()
    page.get_by_role("option", name="1 day").click()
    expect(page.get_by_text("2 images expire")).to_be_visible()
    shot(page, artifacts_dir, "gallery-selection-album-expiry-desktop-light")
    with httpx.Client(base_url=ui_server.base_url, timeout=30) as client:
        in_album = client.get(f"/api/albums/{album['id']}/images",
                              headers=account.headers).json()["images"]
        listed = client.get("/api/images", headers=account.headers).json()["images"]
    picked = [tiles(page).nth(i).get_attribute("data-id") for i in (1, 2)]
    assert {str(image["id"]) for image in in_album} == set(picked)
    assert {str(image["id"]) for image in listed if image["expires_at"]} == set(picked)

    page.get_by_role("button", name="Delete", exact=True).click()
    confirm = page.get_by_role("alertdialog")
    expect(confirm).to_contain_text("Delete 2 images?")
    shot(page, artifacts_dir, "gallery-bulk-delete-confirm-desktop-light")
    confirm.get_by_role("button", name="Delete").click()
    expect(tiles(page)).to_have_count(len(made) - 2)
    expect(page.locator("#gallery-count")).to_have_text(f"{len(made) - 2} images")
    with httpx.Client(base_url=ui_server.base_url, timeout=30) as client:
        left = client.get("/api/images", headers=account.headers).json()
    assert left["total"] == len(made) - 2
    assert not {str(image["id"]) for image in left["images"]} & set(picked)
    for image in made:
        if str(image["id"]) in picked:
            gone = httpx.get(image["public_url"], timeout=10, follow_redirects=True)
            assert gone.status_code in (403, 404)


def test_search_filters_and_sort_follow_the_address(open_page, ui_server, artifacts_dir):
    with httpx.Client(base_url=ui_server.base_url, timeout=30) as client:
        account = new_account(client, "search")
        real_uploads(client, account)
    page = signed_in(open_page, account)
    expect(tiles(page)).to_have_count(len(PICTURES))
    page.locator("#gallery-search").fill("d")
    expect(tiles(page)).to_have_count(2)  # dawn.png, dusk.jpg
    expect(page).to_have_url(re.compile(r"[?&]q=d\b"))
    page.locator("#gallery-type").click()
    page.get_by_role("option", name="JPEG").click()
    expect(tiles(page)).to_have_count(1)
    expect(tiles(page).first).to_contain_text("dusk.jpg")
    shot(page, artifacts_dir, "gallery-search-desktop-light")
    page.reload()
    expect(page.locator("#gallery-search")).to_have_value("d")
    expect(tiles(page)).to_have_count(1)
    page.locator("#gallery-search").fill("zebra")
    expect(page.locator("#gallery-no-matches")).to_be_visible()
    page.get_by_role("button", name="Clear filters").click()
    expect(tiles(page)).to_have_count(len(PICTURES))
    page.locator("#gallery-sort").click()
    page.get_by_role("option", name="Oldest first").click()
    expect(tiles(page).first).to_contain_text("dawn.png")
    expect(page).to_have_url(re.compile(r"sort=oldest"))
    page.locator("#gallery-from").fill("2000-01-01")
    page.locator("#gallery-to").fill("2000-01-02")
    expect(page.locator("#gallery-no-matches")).to_be_visible()
    page.locator("#gallery-to").fill("")
    expect(tiles(page)).to_have_count(len(PICTURES))


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_accessibility_audit(open_page, browser, ui_server, big_library, artifacts_dir, scheme):
    context = browser.new_context(base_url=ui_server.base_url, viewport={"width": 1280, "height": 800},
                                  color_scheme=scheme, bypass_csp=True)
    try:
        page = context.new_page()
        page.goto("/login")
        page.evaluate("([k, v]) => localStorage.setItem(k, v)", [TOKEN_KEY, big_library.token])
        page.goto("/")
        expect(tiles(page)).to_have_count(PAGE_SIZE)
        page.wait_for_function("s => document.documentElement.classList.contains(s)", arg=scheme)
        assert audit(page) == [], "gallery"
        shot(page, artifacts_dir, f"gallery-desktop-{scheme}")
        page.locator(".tile-check").first.click()
        expect(page.locator("#selection-bar")).to_be_visible()
        assert audit(page) == [], "selection"
        page.get_by_role("button", name="Clear").click()
        tiles(page).first.locator(".tile-open").click()
        expect(page.get_by_role("dialog")).to_be_visible()
        page.wait_for_timeout(300)
        assert audit(page) == [], "viewer"
        shot(page, artifacts_dir, f"gallery-viewer-desktop-{scheme}")
    finally:
        context.close()


def test_blurhash_previews_hold_the_place_of_missing_thumbnails(open_page, big_library,
                                                                  artifacts_dir, console):
    page = open_page()
    console.expect_error(r"Failed to load resource")  # the thumbnails held back on purpose
    page.route(re.compile(r".*_(thumb|display)\.webp$"), lambda route: route.abort())
    page.goto("/login")
    page.evaluate("([k, v]) => localStorage.setItem(k, v)", [TOKEN_KEY, big_library.token])
    page.goto("/")
    expect(tiles(page)).to_have_count(PAGE_SIZE)
    previews = page.locator(".tile-preview")
    expect(previews).to_have_count(PAGE_SIZE)
    page.wait_for_function("""() => Array.from(document.querySelectorAll('.tile-preview'))
        .every(i => i.complete && i.naturalWidth === 6)""")
    # Explicit sizes: the grid is laid out before any picture arrives.
    assert tiles(page).first.locator("img[width][height]").count() == 1
    shot(page, artifacts_dir, "gallery-blurhash-desktop-light")
