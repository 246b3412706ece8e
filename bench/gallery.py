"""The gallery's time to first thumbnails in headless Chromium (Debian's, via Playwright)."""

from __future__ import annotations

from pathlib import Path

from tests.support.server import PROJECT_ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]


def gallery_missing_reason() -> str | None:
    if not (PROJECT_ROOT / "imghost" / "ui" / "pages" / "gallery.py").exists():
        return "the UI gallery page does not exist yet (imghost/ui/pages/gallery.py)"
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM} (make chromium)"
    return None


def measure_gallery(base_url: str, username: str, work_dir: Path, log=print) -> dict:
    reason = gallery_missing_reason()
    if reason:
        log(f"  gallery: skipped, {reason}")
        return {"skipped": reason}
    raise NotImplementedError
