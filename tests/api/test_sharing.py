"""Share pages, oEmbed, expiry and albums through a real server, anonymously where the
world would look, on both configurations."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator

import httpx
import pytest
from PIL import Image

from tests.api.test_pipeline import wait_for_thumbnail
from tests.support.api_client import grant, new_account, upload_image
from tests.support.html_page import parse_page
from tests.support.images import jpeg, png
from tests.support.server import AppServer, start_app

# Filenames lose everything up to the last slash (services/uploads.clean_filename);
# album titles keep it, so they carry the closing tags.
HOSTILE = "\"'><script>alert(1)<script><title><img src=x onerror=alert(2)>&amp;.png"
HOSTILE_TITLE = "\"'></title><script>alert(1)</script><img src=x onerror=alert(2)>"


@pytest.fixture(scope="module")
def sharing_server(backend, tmp_path_factory, request) -> Iterator[AppServer]:
    """The server with an expiry sweep every second (the default is 30 s)."""
    server = start_app({**backend, "IMGHOST_EXPIRY_SWEEP_INTERVAL_SECONDS": "1"},
                       tmp_path_factory.mktemp("sharing-logs"))
    yield server
    server.stop()


@pytest.fixture
def client(sharing_server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sharing_server.base_url, timeout=30) as http:
        yield http


def anonymous(url: str) -> httpx.Response:
    return httpx.get(url, follow_redirects=True, timeout=30)


def served_image(url: str) -> Image.Image:
    reply = anonymous(url)
    assert reply.status_code == 200, (url, reply.status_code)
    image = Image.open(io.BytesIO(reply.content))
    image.load()
    return image


def test_an_image_page_unfurls(client):
    account = new_account(client)
    image = upload_image(client, account, jpeg((2400, 1200)), "image/jpeg", "Sunset.jpg")
    ready = wait_for_thumbnail(client, account, image["id"])
    assert image["page_url"] == ready["page_url"]
    slug = image["page_url"].rsplit("/i/", 1)[1]
    assert len(slug) >= 8 and slug.isalnum() and str(image["id"]) != slug

    reply = anonymous(image["page_url"])
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("text/html")
    assert len(reply.content) < 30_000
    csp = reply.headers["content-security-policy"]
    assert "style-src 'sha256-" in csp and "unsafe-inline" not in csp and "script-src" not in csp
    page = parse_page(reply.text)
    assert "script" not in page.tags
    meta = page.meta
    assert meta["og:title"] == "Sunset.jpg" and page.title.startswith("Sunset.jpg")
    assert meta["og:type"] == "website" and meta["twitter:card"] == "summary_large_image"
    assert meta["og:image"] == ready["display_url"]  # the display size, absolute
    assert meta["og:image"].startswith("http")
    assert (meta["og:image:width"], meta["og:image:height"]) == ("1600", "800")
    assert meta["og:image:type"] == "image/webp"
    shown = served_image(meta["og:image"])
    assert (shown.format, shown.size) == ("WEBP", (1600, 800))
    (img,) = page.images
    assert img["src"] == ready["display_url"]
    assert f"{ready['thumbnail_url']} 512w" in img["srcset"]
    assert f"{image['public_url']} 2400w" in img["srcset"]
    assert page.inputs["copy-link"] == image["public_url"]
    assert page.inputs["copy-markdown"] == f"[![Sunset.jpg]({ready['display_url']})]({image['page_url']})"
    assert page.inputs["copy-bbcode"].startswith(f"[url={image['page_url']}][img]")
    assert page.inputs["copy-html"].startswith(f'<a href="{image["page_url"]}"><img')
    assert "2400 × 1200 px" in reply.text

    (alternate,) = [link for link in page.links if link.get("rel") == "alternate"]
    assert alternate["type"] == "application/json+oembed"
    oembed = anonymous(alternate["href"])
    assert oembed.status_code == 200
    body = oembed.json()
    assert body["type"] == "photo" and body["version"] == "1.0"
    assert (body["url"], body["width"], body["height"]) == (ready["display_url"], 1600, 800)
    assert body["title"] == "Sunset.jpg" and body["thumbnail_url"] == ready["thumbnail_url"]
    small = client.get("/api/oembed", params={"url": image["page_url"], "maxwidth": 600}).json()
    assert (small["url"], small["width"]) == (ready["thumbnail_url"], 512)


def test_oembed_and_pages_refuse_what_is_not_there(client, sharing_server):
    base = sharing_server.base_url
    for path in ("/i/doesNotExist1", "/i/x", "/a/doesNotExist1", "/i/%3Cscript%3E"):
        reply = anonymous(base + path)
        assert reply.status_code == 404 and reply.headers["content-type"].startswith("text/html")
        assert "<script" not in reply.text
    for url in (f"{base}/i/doesNotExist1", "https://elsewhere.example/i/abcdefgh", "nonsense"):
        reply = client.get("/api/oembed", params={"url": url})
        assert reply.status_code == 404 and reply.json()["code"] == "image_not_found"
    assert client.get("/api/oembed").status_code == 400
    assert client.get("/api/oembed", params={"url": f"{base}/i/abcdefgh",
                                             "format": "xml"}).status_code == 400
    assert client.get("/api/oembed", params={"url": f"{base}/i/abcdefgh",
                                             "maxwidth": 0}).status_code == 400


def test_hostile_filenames_are_escaped_everywhere_on_the_page(client):
    account = new_account(client)
    image = upload_image(client, account, png(), "image/png", HOSTILE)
    reply = anonymous(image["page_url"])
    assert reply.status_code == 200
    assert "<script>" not in reply.text and "<img src=x" not in reply.text
    page = parse_page(reply.text)
    assert page.meta["og:title"] == HOSTILE  # escaped in the HTML, intact once parsed
    assert page.title == f"{HOSTILE} · imghost"
    assert page.images[0]["alt"] == HOSTILE
    assert page.tags.count("img") == 1 and "script" not in page.tags
    assert "onerror" not in page.images[0]
    assert "&lt;script&gt;" in page.inputs["copy-html"]  # the snippet is itself safe HTML

    album = client.post("/api/albums", headers=account.headers,
                        json={"title": HOSTILE_TITLE, "description": HOSTILE_TITLE}).json()
    client.post(f"/api/albums/{album['id']}/images", headers=account.headers,
                json={"image_ids": [image["id"]]})
    shared = client.patch(f"/api/albums/{album['id']}", headers=account.headers,
                          json={"shared": True}).json()
    album_page = anonymous(shared["share_url"])
    assert "<script>" not in album_page.text
    parsed = parse_page(album_page.text)
    assert parsed.meta["og:title"] == HOSTILE_TITLE
    assert parsed.meta["og:description"] == HOSTILE_TITLE
    assert parsed.title == f"{HOSTILE_TITLE} · imghost"
    assert "script" not in parsed.tags and all("onerror" not in img for img in parsed.images)


def test_a_page_follows_every_change_to_its_image_at_once(client):
    """The server keeps a page's HTML per image row: a rename, an expiry set or cleared
    and a delete each show on the very next view."""
    account = new_account(client)
    image = upload_image(client, account, png(), "image/png", "before.png")
    url, path = image["page_url"], f"/api/images/{image['id']}"

    def title() -> str:
        reply = anonymous(url)
        assert reply.status_code == 200
        return parse_page(reply.text).meta["og:title"]

    assert title() == title() == "before.png"
    assert client.patch(path, headers=account.headers, json={"filename": "after.png"}).is_success
    assert title() == "after.png"
    assert client.patch(path, headers=account.headers, json={"expires_in": 3600}).is_success
    assert "Expires" in anonymous(url).text
    assert client.patch(path, headers=account.headers, json={"expires_in": None}).is_success
    assert "Expires" not in anonymous(url).text
    assert client.delete(path, headers=account.headers).status_code == 204
    assert anonymous(url).status_code == 404


def test_an_album_page_follows_every_change_at_once(client):
    """As an image's page: kept per rows read, so each change shows on the next view."""
    account = new_account(client)
    first = upload_image(client, account, png(), "image/png", "first.png")
    second = upload_image(client, account, png(), "image/png", "second.png")
    album = client.post("/api/albums", headers=account.headers, json={"title": "Before"}).json()
    url = f"/api/albums/{album['id']}"
    assert client.post(f"{url}/images", headers=account.headers,
                       json={"image_ids": [first["id"]]}).is_success
    share_url = client.patch(url, headers=account.headers, json={"shared": True}).json()["share_url"]

    def seen() -> tuple[str, list[str], list[str]]:
        reply = anonymous(share_url)
        assert reply.status_code == 200
        page = parse_page(reply.text)
        return (page.meta["og:title"], [a for a in page.anchors if "/i/" in a],
                [img["alt"] for img in page.images])

    assert seen() == seen() == ("Before", [first["page_url"]], ["first.png"])
    assert client.post(f"{url}/images", headers=account.headers,
                       json={"image_ids": [second["id"]]}).is_success
    assert seen()[1] == [second["page_url"], first["page_url"]]
    assert client.patch(url, headers=account.headers, json={"title": "After"}).is_success
    assert seen()[0] == "After"
    assert client.patch(f"/api/images/{first['id']}", headers=account.headers,
                        json={"filename": "renamed.png"}).is_success
    assert seen()[2] == ["second.png", "renamed.png"]
    assert client.delete(f"/api/images/{second['id']}", headers=account.headers).status_code == 204
    assert seen()[1:] == ([first["page_url"]], ["renamed.png"])
    assert "1 image<" in anonymous(share_url).text
    assert client.patch(url, headers=account.headers, json={"shared": False}).is_success
    assert anonymous(share_url).status_code == 404


def test_expiry_hides_an_image_everywhere_at_once_and_the_sweep_deletes_it(client):
    account = new_account(client)
    image = upload_image(client, account, png(), "image/png", "brief.png")
    kept = upload_image(client, account, png(), "image/png", "kept.png")
    changed = client.patch(f"/api/images/{image['id']}", headers=account.headers,
                           json={"expires_in": 2, "filename": "renamed.png"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["filename"] == "renamed.png" and changed.json()["expires_at"]
    assert anonymous(image["page_url"]).status_code == 200
    file_reply = httpx.get(image["public_url"], timeout=30)
    assert file_reply.status_code in (200, 307)
    assert int(file_reply.headers["cache-control"].rsplit("max-age=", 1)[1].split(",")[0]) <= 2
    time.sleep(2.2)
    assert anonymous(image["page_url"]).status_code == 404
    # 404 from the app (expired row) or, once swept, from the store after the redirect.
    assert anonymous(image["public_url"]).status_code == 404
    listed = client.get("/api/images/", headers=account.headers).json()["images"]
    assert [i["id"] for i in listed] == [kept["id"]]
    assert client.get(f"/api/images/{image['id']}", headers=account.headers).status_code == 404
    assert client.patch(f"/api/images/{image['id']}", headers=account.headers,
                        json={"expires_in": None}).status_code == 404
    # The sweep (every second here) deletes the bytes and the row.
    deadline = time.monotonic() + 20
    while client.get("/api/auth/me", headers=account.headers).json()["image_count"] != 1:
        assert time.monotonic() < deadline, "the expired image was not swept"
        time.sleep(0.2)
    assert client.get(kept["public_url"]).status_code in (200, 307)


def test_expires_in_at_upload_is_checked_and_recorded(client):
    account = new_account(client)
    for bad, code in ((0, "validation_error"), (-1, "validation_error"), ("3600", "validation_error"),
                      (10**12, "expiry_too_long"), (True, "validation_error")):
        reply = client.post("/api/images/upload-url", headers=account.headers, json={
            "filename": "a.png", "content_type": "image/png", "size_bytes": 10, "expires_in": bad})
        assert reply.status_code == 400 and reply.json()["code"] == code, (bad, reply.text)
    data = png()
    upload = grant(client, account, data)  # no expires_in: never expires
    assert upload["r2_key"]
    reply = client.post("/api/images/upload-url", headers=account.headers, json={
        "filename": "a.png", "content_type": "image/png", "size_bytes": len(data),
        "expires_in": 3600})
    assert reply.status_code == 200
    from tests.support.api_client import confirm, put_bytes

    put_bytes(reply.json(), data)
    confirmed = confirm(client, account, reply.json(), data).json()
    assert confirmed["expires_at"] is not None
    cleared = client.patch(f"/api/images/{confirmed['id']}", headers=account.headers,
                           json={"expires_in": None}).json()
    assert cleared["expires_at"] is None
    for bad in ({"filename": 5}, {"expires_in": "soon"}, {"filename": ""}):
        reply = client.patch(f"/api/images/{confirmed['id']}", headers=account.headers, json=bad)
        assert reply.status_code == 400, (bad, reply.text)
    # A name with nothing printable is a valid name, stored as "image" (as at upload).
    blank = client.patch(f"/api/images/{confirmed['id']}", headers=account.headers,
                         json={"filename": "   "})
    assert blank.status_code == 200 and blank.json()["filename"] == "image", blank.text


def test_albums_through_the_api_with_ownership_and_unsharing(client, sharing_server):
    owner, stranger = new_account(client, "owner"), new_account(client, "stranger")
    photo = upload_image(client, owner, jpeg((1200, 900)), "image/jpeg", "cover.jpg")
    other = upload_image(client, owner, png(), "image/png", "second.png")
    ready = wait_for_thumbnail(client, owner, photo["id"])
    made = client.post("/api/albums", headers=owner.headers,
                       json={"title": "Holiday", "description": "Sun & sea"})
    assert made.status_code == 201, made.text
    album = made.json()
    assert album["shared"] is False and album["share_url"] is None
    url = f"/api/albums/{album['id']}"
    added = client.post(f"{url}/images", headers=owner.headers,
                        json={"image_ids": [photo["id"], other["id"]]})
    assert added.status_code == 200 and added.json()["image_count"] == 2
    client.patch(url, headers=owner.headers, json={"cover_image_id": photo["id"]})
    first = client.get(f"{url}/images", headers=owner.headers, params={"limit": 1}).json()
    second = client.get(f"{url}/images", headers=owner.headers,
                        params={"limit": 1, "cursor": first["next_cursor"]}).json()
    assert [i["id"] for i in first["images"] + second["images"]] == [other["id"], photo["id"]]
    assert second["next_cursor"] is None and first["total"] == 2
    assert [a["id"] for a in client.get("/api/albums", headers=owner.headers).json()["albums"]] \
        == [album["id"]]

    for method, path, body in (("GET", url, None), ("PATCH", url, {"shared": True}),
                               ("DELETE", url, None), ("GET", f"{url}/images", None),
                               ("POST", f"{url}/images", {"image_ids": [photo["id"]]}),
                               ("DELETE", f"{url}/images/{photo['id']}", None)):
        reply = client.request(method, path, headers=stranger.headers, json=body)
        assert reply.status_code == 404 and reply.json()["code"] == "album_not_found", (method, path)
    assert client.get("/api/albums", headers=stranger.headers).json()["albums"] == []
    theirs = upload_image(client, stranger)
    refused = client.post(f"{url}/images", headers=owner.headers,
                          json={"image_ids": [theirs["id"]]})
    assert refused.status_code == 404
    for bad in ({"title": ""}, {"title": 5}, {}):
        assert client.post("/api/albums", headers=owner.headers, json=bad).status_code == 400
    assert client.post(f"{url}/images", headers=owner.headers,
                       json={"image_ids": "1"}).status_code == 400

    shared = client.patch(url, headers=owner.headers, json={"shared": True}).json()
    share_url = shared["share_url"]
    assert share_url.startswith(f"{sharing_server.base_url}/a/")
    page = anonymous(share_url)
    assert page.status_code == 200 and len(page.content) < 30_000
    parsed = parse_page(page.text)
    assert parsed.meta["og:title"] == "Holiday" and parsed.meta["og:description"] == "Sun & sea"
    assert parsed.meta["og:image"] == ready["display_url"] or parsed.meta["og:image"] == ready["public_url"]
    assert served_image(parsed.meta["og:image"]).size[0] == int(parsed.meta["og:image:width"])
    assert all(img.get("loading") == "lazy" and img["srcset"] for img in parsed.images)
    assert len(parsed.images) == 2
    assert photo["page_url"] in parsed.anchors and other["page_url"] in parsed.anchors

    client.patch(url, headers=owner.headers, json={"shared": False})
    assert anonymous(share_url).status_code == 404
    again = client.patch(url, headers=owner.headers, json={"shared": True}).json()
    assert again["share_url"] != share_url and anonymous(again["share_url"]).status_code == 200
    assert anonymous(share_url).status_code == 404

    assert client.delete(f"{url}/images/{other['id']}", headers=owner.headers).status_code == 204
    assert client.delete(url, headers=owner.headers).status_code == 204
    assert client.get(f"/api/images/{photo['id']}", headers=owner.headers).status_code == 200
    assert anonymous(again["share_url"]).status_code == 404
