"""GET /api/files/{key} serves only what belongs to an image, with honest cache headers.

An upload nobody confirmed is not served (else every upload grant is free anonymous
hosting); a 404 is never cached; an image can be deleted, so nothing is `immutable`.
"""

from __future__ import annotations

import time

import httpx

from imghost.runtime import get_runtime
from tests.support.api_client import grant, new_account, put_bytes, upload_image
from tests.support.images import png


def get(url: str) -> httpx.Response:
    return httpx.get(url, timeout=30)


def assert_not_found_uncached(reply: httpx.Response) -> None:
    assert reply.status_code == 404, reply.text
    assert reply.json()["code"] == "file_not_found"
    assert reply.headers["cache-control"] == "no-store"


def test_an_unconfirmed_upload_is_not_served(client, served):
    account, data = new_account(client), png()
    upload = grant(client, account, data)
    assert put_bytes(upload, data).status_code == 200
    storage = get_runtime().storage
    assert storage.head(storage.upload_key(upload["r2_key"])) is not None  # stored, not confirmed
    assert_not_found_uncached(get(upload["public_url"]))
    assert_not_found_uncached(get(f"{served.base_url}/api/files/{storage.upload_key(upload['r2_key'])}"))


def test_a_confirmed_image_is_served_with_bounded_caching(client, served):
    account, data = new_account(client), png()
    image = upload_image(client, account, data)
    reply = get(image["public_url"])
    if get_runtime().storage.kind == "local":
        assert reply.status_code == 200 and reply.content == data
        assert reply.headers["cache-control"] == "public, max-age=3600"
    else:
        # A redirect to a presigned GET that expires in 5 minutes: cached less than that.
        assert reply.status_code == 307
        assert reply.headers["cache-control"] == "private, max-age=240"
    assert "immutable" not in reply.headers["cache-control"]

    assert client.delete(f"/api/images/{image['id']}", headers=account.headers).status_code == 204
    assert_not_found_uncached(get(image["public_url"]))


def test_derivatives_are_served_only_for_their_image(client, served):
    account = new_account(client)
    image = upload_image(client, account, png((900, 700)))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        listed = client.get("/api/images/", headers=account.headers).json()["images"][0]
        if listed["thumbnail_url"]:
            break
        time.sleep(0.1)
    assert listed["thumbnail_url"], "no thumbnail"
    assert httpx.get(listed["thumbnail_url"], follow_redirects=True, timeout=30).status_code == 200
    # An object beside it that no image names (e.g. written under a made-up suffix).
    storage = get_runtime().storage
    stray = f"{image['r2_key'].rsplit('.', 1)[0]}_stray.webp"
    storage.put(stray, png(), "image/webp")
    try:
        assert_not_found_uncached(get(f"{served.base_url}/api/files/{stray}"))
    finally:
        storage.delete(stray)
