"""A user's whole journey through the UI, on both backends, in a real Chromium."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import jwt
from playwright.sync_api import expect

from imghost.ui.state.gallery import PAGE_SIZE
from tests.e2e.conftest import MAX_UPLOAD_BYTES
from tests.e2e.steps import (
    PASSWORD,
    at,
    choose_files,
    login,
    register,
    tiles,
    unique_user,
    upload_row,
    wait_until_finished,
)
from tests.support.api_client import Account, upload_image
from tests.support.images import HTML_AS_PNG, jpeg, png


def uploads_confirmed(server) -> float:
    metrics = httpx.get(f"{server.base_url}/api/metrics", timeout=30).text
    return float(re.search(r"^imghost_uploads_confirmed_total (\S+)$", metrics, re.M)[1])


def test_register_login_upload_view_copy_delete_logout(open_page, ui_server, tmp_path,
                                                       artifacts_dir):
    page = open_page()
    puts: list[str] = []
    page.on("request", lambda r: puts.append(r.url) if r.method == "PUT" else None)
    user = unique_user()

    register(page, user)
    expect(page.locator("#gallery-empty")).to_be_visible()
    expect(page.locator("#navbar-username")).to_have_text(user)
    page.get_by_role("button", name="Log out").click()
    at(page, "/login")
    login(page, user)

    first, second = tmp_path / "sunset.png", tmp_path / "harbour.jpg"
    first.write_bytes(png((320, 200), (230, 120, 40)))
    second.write_bytes(jpeg((200, 300), (30, 90, 160)))
    confirmed_before = uploads_confirmed(ui_server)
    choose_files(page, [first, second])
    wait_until_finished(page, 2)
    for name in ("sunset.png", "harbour.jpg"):
        expect(upload_row(page, name)).to_have_attribute("data-status", "done")
        expect(upload_row(page, name).locator(".upload-link")).to_contain_text("/")
    # Uploads confirmed through the UI are counted by the same action as the API's.
    assert uploads_confirmed(ui_server) == confirmed_before + 2

    # The bytes went from the browser straight to storage: SeaweedFS's own address
    # for S3, the app's signed /api/files URL for local disk. Never a Reflex event.
    assert len(puts) == 2
    storage = ui_server.env.get("IMGHOST_S3_ENDPOINT_URL") or f"{ui_server.base_url}/api/files/"
    assert all(url.startswith(storage) for url in puts), puts

    page.get_by_role("link", name="Gallery", exact=True).click()
    at(page, "/")
    expect(tiles(page)).to_have_count(2)
    expect(page.locator("#gallery-count")).to_have_text("2 images")
    expect(tiles(page).filter(has_text="sunset.png")).to_have_count(1)

    tiles(page).filter(has_text="harbour.jpg").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("heading", name="harbour.jpg")).to_be_visible()
    link = page.locator("#viewer-link").inner_text()
    page.get_by_role("button", name="Copy link").click()
    expect(page.get_by_text("Copied to the clipboard.")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == link
    page.get_by_role("button", name="Copy Markdown").click()
    page.wait_for_function("md => navigator.clipboard.readText().then(t => t === md)",
                           arg=f"![harbour.jpg]({link})")
    # The viewer opens the image's share page; the direct link is the copy box above.
    expect(dialog.get_by_role("link", name="Open page")).to_have_attribute(
        "href", re.compile(rf"^{re.escape(ui_server.base_url)}/i/[0-9A-Za-z]{{8,}}$"))
    expect(dialog).to_contain_text("200 × 300 px")
    served = httpx.get(link, follow_redirects=True, timeout=30)
    assert served.status_code == 200
    assert served.content == second.read_bytes()
    page.screenshot(path=artifacts_dir / f"flow-{backend_name(ui_server)}-viewer.png")

    dialog.get_by_role("button", name="Delete").click()
    confirm = page.get_by_role("alertdialog")
    expect(confirm).to_contain_text("harbour.jpg")
    confirm.get_by_role("button", name="Delete").click()
    expect(confirm).to_be_hidden()
    expect(tiles(page)).to_have_count(1)
    page.reload()
    expect(tiles(page)).to_have_count(1)
    expect(tiles(page).nth(0)).to_contain_text("sunset.png")
    assert httpx.get(link, follow_redirects=True, timeout=30).status_code in (403, 404)

    page.get_by_role("button", name="Log out").click()
    at(page, "/login")
    assert page.evaluate("localStorage.getItem('imghost_token')") in (None, "")
    page.goto("/")
    at(page, "/login")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()


def test_wrong_password_is_shown_and_right_one_works(open_page):
    page = open_page()
    user = unique_user()
    register(page, user)
    page.get_by_role("button", name="Log out").click()
    at(page, "/login")
    page.fill("#field-login", user)
    page.fill("#field-password", "not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#form-error")).to_have_text("Wrong username or password.")
    at(page, "/login")
    login(page, user)
    # Signed in, the auth pages have nothing to offer: straight back to the gallery.
    page.goto("/register")
    at(page, "/")


def test_registration_errors_show_at_their_fields(open_page):
    page = open_page()
    user = unique_user()
    register(page, user)
    page.get_by_role("button", name="Log out").click()
    at(page, "/login")
    page.goto("/register")
    page.fill("#field-username", user.upper())
    page.fill("#field-email", f"other-{user}@example.com")
    page.fill("#field-password", PASSWORD)
    page.fill("#field-password2", PASSWORD + "x")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("alert")).to_have_text("The two passwords differ.")
    page.fill("#field-password2", PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("alert")).to_have_text("That username is already taken.")
    at(page, "/register")


def test_each_file_fails_or_succeeds_on_its_own(open_page, tmp_path):
    page = open_page()
    register(page, unique_user())
    good = tmp_path / "good.png"
    good.write_bytes(png((90, 60)))
    too_large = tmp_path / "huge.png"
    too_large.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * MAX_UPLOAD_BYTES)
    wrong_type = tmp_path / "notes.txt"
    wrong_type.write_text("not an image")
    disguised = tmp_path / "disguised.png"
    disguised.write_bytes(HTML_AS_PNG)

    choose_files(page, [too_large, good, wrong_type, disguised])
    wait_until_finished(page, 4)
    expect(upload_row(page, "good.png")).to_have_attribute("data-status", "done")
    expect(upload_row(page, "huge.png")).to_have_attribute("data-status", "error")
    expect(upload_row(page, "huge.png").locator(".upload-error")).to_contain_text("larger than")
    expect(upload_row(page, "notes.txt").locator(".upload-error")).to_contain_text(
        "can be uploaded")
    # Passed the pre-check, reached storage, refused at confirm by its real bytes.
    expect(upload_row(page, "disguised.png").locator(".upload-error")).to_contain_text(
        "not a PNG image")

    page.goto("/")
    expect(tiles(page)).to_have_count(1)
    expect(tiles(page).nth(0)).to_contain_text("good.png")


def signing_secret(server) -> str:
    return (server.env.get("IMGHOST_JWT_SECRET")
            or (Path(server.env["IMGHOST_DATA_DIR"]) / "jwt_secret").read_text().strip())


def signed_in_account(page) -> Account:
    """The account the browser is signed in as, from the token the UI keeps."""
    token = page.evaluate("localStorage.getItem('imghost_token')")
    user_id = int(jwt.decode(token, options={"verify_signature": False})["sub"])
    username = page.locator("#navbar-username").inner_text()
    return Account(username, f"{username}@example.com", token, user_id)


def test_a_bad_or_expired_token_leads_to_login_with_a_message(open_page, ui_server):
    page = open_page()
    register(page, unique_user())
    account = signed_in_account(page)
    session_id = jwt.decode(account.token, options={"verify_signature": False})["sid"]
    expired = jwt.encode({"sub": str(account.user_id), "sid": session_id,
                          "exp": datetime.now(UTC) - timedelta(minutes=1)},
                         signing_secret(ui_server), algorithm="HS256")
    for token, notice in ((expired, "Your session has expired; please log in again."),
                          ("not-a-token", "Please log in again.")):
        page.evaluate("t => localStorage.setItem('imghost_token', t)", token)
        page.goto("/upload")
        at(page, "/login")
        expect(page.locator("#login-notice")).to_have_text(notice)
        assert page.evaluate("localStorage.getItem('imghost_token')") in (None, "")


def test_load_more_pages_through_the_gallery_by_cursor(open_page, ui_server):
    page = open_page()
    register(page, unique_user())
    account = signed_in_account(page)
    with httpx.Client(base_url=ui_server.base_url, timeout=30) as client:
        for index in range(PAGE_SIZE + 3):
            upload_image(client, account, png((40 + index, 30)), filename=f"pic{index:02d}.png")
    page.reload()
    expect(tiles(page)).to_have_count(PAGE_SIZE)
    expect(page.locator("#gallery-count")).to_have_text(f"{PAGE_SIZE + 3} images")
    # Scrolled near, "Load more" presses itself (infinite scroll).
    page.evaluate("document.getElementById('load-more').scrollIntoView()")
    expect(tiles(page)).to_have_count(PAGE_SIZE + 3)
    expect(page.get_by_role("button", name="Load more")).to_have_count(0)
    # Newest first across both pages: the very first upload is the last tile.
    expect(tiles(page).last).to_contain_text("pic00.png")
    # Keyboard: a tile holds a button; Enter opens the large view, Escape closes it.
    tiles(page).last.locator(".tile-open").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("dialog").get_by_role("heading", name="pic00.png")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)


def backend_name(server) -> str:
    return "s3" if "IMGHOST_S3_ENDPOINT_URL" in server.env else "embedded"


DROP_AND_PASTE = """async ([kind, name, b64]) => {
    const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
    const transfer = new DataTransfer();
    transfer.items.add(new File([bytes], name, {type: "image/png"}));
    const zone = document.getElementById("imghost-dropzone");
    if (kind === "drop") {
        zone.dispatchEvent(new DragEvent("dragover", {bubbles: true, cancelable: true,
                                                      dataTransfer: transfer}));
        zone.dispatchEvent(new DragEvent("drop", {bubbles: true, cancelable: true,
                                                  dataTransfer: transfer}));
    } else {
        document.body.dispatchEvent(new ClipboardEvent("paste", {bubbles: true, cancelable: true,
                                                                 clipboardData: transfer}));
    }
}"""


def test_drop_and_paste_upload_too(open_page):
    page = open_page()
    register(page, unique_user())
    # Dropped as soon as the page's HTML is parsed, before React has hydrated it: the
    # uploader's listeners come with the HTML (a file dropped earlier would be lost).
    page.goto("/upload", wait_until="domcontentloaded")
    data = base64.b64encode(png((50, 50), (10, 160, 90))).decode()
    page.evaluate(DROP_AND_PASTE, ["drop", "dropped.png", data])
    expect(upload_row(page, "dropped.png")).to_have_attribute("data-status", "done")
    page.evaluate(DROP_AND_PASTE, ["paste", "image.png", data])
    # Pasted screenshots all arrive as "image.png": each gets a name of its own.
    pasted = page.locator(".upload-row").filter(has_text="pasted-")
    expect(pasted).to_have_attribute("data-status", "done")
    page.goto("/")
    expect(tiles(page)).to_have_count(2)
