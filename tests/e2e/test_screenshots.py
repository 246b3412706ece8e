"""Screenshots of every page at desktop and phone widths, light and dark, for people to look at.

They land in test-artifacts/ as {page}-{desktop|phone}-{light|dark}.png. The test
also fails on any console error, like every browser test here.
"""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import Page, expect

from tests.e2e.steps import at, choose_files, register, tiles, unique_user, wait_until_finished
from tests.support.browser import DESKTOP, PHONE

VIEWPORTS = {"desktop": DESKTOP, "phone": PHONE}
SCHEMES = ["light", "dark"]


def picture(size: tuple[int, int], top: tuple[int, int, int], bottom: tuple[int, int, int],
            fmt: str = "PNG") -> bytes:
    """A vertical gradient with a sun: something that reads as a photo in a screenshot."""
    width, height = size
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    for y in range(height):
        mix = y / max(1, height - 1)
        draw.line([(0, y), (width, y)],
                  fill=tuple(int(a + (b - a) * mix) for a, b in zip(top, bottom, strict=True)))
    radius = min(size) // 6
    draw.ellipse((width * 0.6, height * 0.2, width * 0.6 + 2 * radius, height * 0.2 + 2 * radius),
                 fill=(255, 236, 170))
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


PICTURES = {
    "dawn.png": ((480, 320), (250, 180, 120), (90, 60, 140), "PNG"),
    "lake.jpg": ((320, 480), (120, 190, 240), (20, 60, 90), "JPEG"),
    "forest.png": ((400, 400), (170, 220, 150), (20, 80, 40), "PNG"),
    "dusk.jpg": ((600, 300), (240, 120, 90), (40, 30, 80), "JPEG"),
}


def settle(page: Page) -> None:
    """Wait for pictures to finish loading so the screenshot shows them."""
    page.wait_for_load_state("networkidle")
    page.wait_for_function("Array.from(document.images).every(i => i.complete)")


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("width", list(VIEWPORTS))
def test_screenshots(open_page, ui_server, artifacts_dir, tmp_path, width, scheme):
    page = open_page(viewport=VIEWPORTS[width], color_scheme=scheme)

    def shot(name: str) -> None:
        # The theme script runs before paint, but an emulated color scheme can reach a
        # new context's first page late: shoot once the page wears the wanted scheme.
        page.wait_for_function("s => document.documentElement.classList.contains(s)", arg=scheme)
        # Finished animations: a dialog is shot open, not halfway faded in.
        page.screenshot(path=artifacts_dir / f"{name}-{width}-{scheme}.png", full_page=True,
                        animations="disabled")

    page.goto("/login")
    expect(page.get_by_role("button", name="Log in")).to_be_enabled()  # the page is live
    shot("login")
    page.goto("/register")
    expect(page.get_by_role("button", name="Create account")).to_be_enabled()
    shot("register")

    register(page, unique_user("shot"))
    expect(page.locator("#gallery-empty")).to_be_visible()
    shot("gallery-empty")

    paths = []
    for name, (size, top, bottom, fmt) in PICTURES.items():
        paths.append(tmp_path / name)
        paths[-1].write_bytes(picture(size, top, bottom, fmt))
    paths.append(tmp_path / "readme.txt")
    paths[-1].write_text("not an image")
    choose_files(page, paths)
    wait_until_finished(page, len(paths))
    settle(page)
    shot("upload")

    page.goto("/")
    at(page, "/")
    expect(tiles(page)).to_have_count(len(PICTURES))
    settle(page)
    shot("gallery")

    tiles(page).nth(1).click()
    expect(page.get_by_role("dialog")).to_be_visible()
    settle(page)
    shot("viewer")
    page.get_by_role("dialog").get_by_role("button", name="Delete").click()
    expect(page.get_by_role("alertdialog")).to_be_visible()
    shot("delete-confirm")
