"""The gallery's time to first thumbnails in headless Chromium (Debian's, via Playwright).

A user with real uploads (grant, PUT, confirm; the pipeline makes the thumbnails)
opens `/` with a token already in localStorage, as after a login. Measured in the
page: from navigation start to the first tile image decoded. Cold: a fresh browser
context (nothing cached); warm: the same page reloaded.
"""

from __future__ import annotations

import time
from io import BytesIO
from pathlib import Path

import httpx

from tests.support.browser import DESKTOP, chromium_path, launch
from tests.support.server import PROJECT_ROOT

GALLERY_IMAGES = 24
TOKEN_KEY = "imghost_token"  # rx.LocalStorage name in imghost/ui/state/session.py
FIRST_THUMBNAIL = """() => {
  const tile = document.querySelector('#gallery-grid img');
  return tile && tile.complete && tile.naturalWidth > 0 ? performance.now() : false;
}"""


def gallery_missing_reason() -> str | None:
    if not (PROJECT_ROOT / "imghost" / "ui" / "pages" / "gallery.py").exists():
        return "the UI gallery page does not exist yet (imghost/ui/pages/gallery.py)"
    if not Path(chromium_path()).exists():
        return "no Chromium (make chromium)"
    return None


def _photo(n: int) -> bytes:
    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (1600, 1200), (40 + 8 * n, 90, 160)).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def upload_photos(base_url: str, token: str, count: int = GALLERY_IMAGES,
                  wait_s: float = 60) -> int:
    """Upload real JPEGs through the API; wait until the pipeline made their thumbnails."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=60) as client:
        for n in range(count):
            data = _photo(n)
            grant = client.post("/api/images/upload-url", json={
                "filename": f"photo-{n}.jpg", "content_type": "image/jpeg",
                "size_bytes": len(data)}).raise_for_status().json()
            httpx.request(grant["method"], grant["upload_url"], content=data,
                          headers=grant["headers"], timeout=60).raise_for_status()
            client.post("/api/images/confirm", json={
                "r2_key": grant["r2_key"], "filename": f"photo-{n}.jpg",
                "size_bytes": len(data)}).raise_for_status()
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            page = client.get("/api/images/", params={"limit": count}).json()["images"]
            ready = sum(1 for image in page if image.get("thumbnail_url"))
            if ready == count:
                return ready
            time.sleep(0.5)
        return ready


def measure_gallery(base_url: str, token: str, work_dir: Path, log=print) -> dict:
    reason = gallery_missing_reason()
    if reason:
        log(f"  gallery: skipped, {reason}")
        return {"skipped": reason}
    from playwright.sync_api import sync_playwright

    thumbnails = upload_photos(base_url, token)
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            context = browser.new_context(viewport=DESKTOP, base_url=base_url)
            page = context.new_page()
            # Any page of the origin, to set the token as a login would.
            page.goto("/login")
            page.evaluate("([key, value]) => localStorage.setItem(key, value)",
                          [TOKEN_KEY, token])
            timings = []
            for _ in range(3):  # first: cold caches (a new context); then warm reloads
                page.goto("/", wait_until="commit")
                found = page.wait_for_function(FIRST_THUMBNAIL, polling="raf", timeout=30_000)
                timings.append(found.json_value())
                page.screenshot(path=str(work_dir / f"gallery-{len(timings)}.png"))
            context.close()
        finally:
            browser.close()
    cold, warm = timings[0], min(timings[1:])
    summary = (f"{cold:.0f} ms cold, {warm:.0f} ms warm "
               f"({thumbnails}/{GALLERY_IMAGES} thumbnails ready, desktop viewport)")
    log(f"  gallery: {summary}")
    return {"cold_ms": cold, "warm_ms": warm, "summary": summary}
