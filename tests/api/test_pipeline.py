"""The image pipeline through the real server on both backends: what is stored and listed."""

from __future__ import annotations

import io
import time

import httpx
import pytest
from PIL import Image

from imghost.services.processing.limits import setup_pillow
from tests.support.api_client import confirm, grant, new_account, put_bytes, upload_image
from tests.support.images import SVG
from tests.unit.test_processing_samples import (
    GPS_IFD,
    ORIENTATION,
    animated_gif,
    avif_with_gps,
    has_private_data,
    heic_with_gps,
    hostile_files,
    jpeg_with_gps,
    png_with_text,
    webp_with_gps,
)


def fetch(url: str) -> httpx.Response:
    return httpx.get(url, follow_redirects=True, timeout=30)


def decoded(data: bytes) -> Image.Image:
    setup_pillow()
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def wait_for_thumbnail(client, account, image_id: int, timeout: float = 30) -> dict:
    """The listed image once its thumbnail exists (made in the background)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        listed = client.get("/api/images/", headers=account.headers).json()["images"]
        found = next(i for i in listed if i["id"] == image_id)
        if found["thumbnail_url"]:
            return found
        time.sleep(0.1)
    raise AssertionError(f"no thumbnail for image {image_id} after {timeout} s")


def test_photo_is_stripped_measured_thumbnailed_and_cleaned_up(client):
    account = new_account(client)
    original = jpeg_with_gps((2400, 1800), orientation=6)
    image = upload_image(client, account, original, "image/jpeg", "phone.jpg")
    assert (image["width"], image["height"]) == (1800, 2400)
    assert image["placeholder"].startswith("#")

    # Listed at once, even if the thumbnail is not made yet.
    listed = client.get("/api/images/", headers=account.headers).json()["images"]
    assert [i["id"] for i in listed] == [image["id"]]

    stored = fetch(image["public_url"]).content
    assert len(stored) == image["size_bytes"] < len(original)
    assert not has_private_data(stored)
    stored_image = decoded(stored)
    assert dict(stored_image.getexif()) == {ORIENTATION: 6}
    assert not stored_image.getexif().get_ifd(GPS_IFD)
    assert stored_image.tobytes() == decoded(original).tobytes()

    ready = wait_for_thumbnail(client, account, image["id"])
    thumbnail = fetch(ready["thumbnail_url"])
    display = fetch(ready["display_url"])
    assert thumbnail.headers["content-type"].startswith("image/webp")
    assert (decoded(thumbnail.content).format, decoded(thumbnail.content).size) == ("WEBP", (384, 512))
    assert decoded(display.content).size == (1200, 1600)
    assert not has_private_data(thumbnail.content + display.content)
    # The gallery's page weight: the thumbnail is a sliver of the original.
    assert len(thumbnail.content) < 0.05 * len(original)

    assert client.delete(f"/api/images/{image['id']}", headers=account.headers).status_code == 204
    for url in (image["public_url"], ready["thumbnail_url"], ready["display_url"]):
        assert fetch(url).status_code in (403, 404)


@pytest.mark.parametrize(("make", "content_type", "size"), [
    (png_with_text, "image/png", (300, 200)),
    (animated_gif, "image/gif", (120, 80)),
    (webp_with_gps, "image/webp", (300, 200)),
    (avif_with_gps, "image/avif", (300, 200)),
    (heic_with_gps, "image/heic", (300, 200)),
], ids=["png", "gif", "webp", "avif", "heic"])
def test_every_allowed_type_is_stripped_and_thumbnailed(client, make, content_type, size):
    account = new_account(client)
    original = make()
    image = upload_image(client, account, original, content_type, "picture")
    assert (image["width"], image["height"]) == size
    stored = fetch(image["public_url"]).content
    assert len(stored) == image["size_bytes"]
    assert not has_private_data(stored)
    ready = wait_for_thumbnail(client, account, image["id"])
    thumbnail = decoded(fetch(ready["thumbnail_url"]).content)
    assert (thumbnail.format, thumbnail.size) == ("WEBP", size)
    if content_type == "image/gif":
        assert decoded(stored).n_frames == 3  # the original stays animated
    # Only HEIC (which most browsers cannot show) gets a display size at this size.
    assert (ready["display_url"] is not None) == (content_type == "image/heic")


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize(("data", "content_type", "code"), **hostile_files())
def test_hostile_files_are_refused_and_deleted(client, data, content_type, code):
    account = new_account(client)
    upload = grant(client, account, data, content_type, "evil.png")
    assert put_bytes(upload, data).status_code in (200, 201)
    reply = confirm(client, account, upload, data, "evil.png")
    assert reply.status_code == 400, reply.text
    assert reply.json()["code"] == code
    assert fetch(upload["public_url"]).status_code in (403, 404)
    assert client.get("/api/images/", headers=account.headers).json()["total"] == 0


def test_svg_cannot_even_be_granted(client):
    account = new_account(client)
    reply = client.post("/api/images/upload-url", headers=account.headers, json={
        "filename": "x.svg", "content_type": "image/svg+xml", "size_bytes": len(SVG)})
    assert reply.status_code == 400
    assert reply.json()["code"] == "unsupported_type"
