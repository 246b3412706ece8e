"""GET /api/images with search, filters and sorts (keyset both ways), bulk delete and zip,
over HTTP on both configurations."""

from __future__ import annotations

import io
import zipfile

import httpx
import pytest

from tests.support.api_client import new_account, upload_image
from tests.support.images import jpeg, png


def listing(client, account, **params) -> dict:
    reply = client.get("/api/images", headers=account.headers, params=params)
    assert reply.status_code == 200, reply.text
    return reply.json()


def names(client, account, limit=2, **params) -> list[str]:
    """Every page through next_cursor, checked against the walk back through prev_cursor."""
    pages, cursor = [], None
    while True:
        page = listing(client, account, limit=limit, **params, **({"cursor": cursor} if cursor else {}))
        pages.append(page)
        cursor = page["next_cursor"]
        if not cursor:
            break
    found = [image["filename"] for page in pages for image in page["images"]]
    back, before = [], pages[-1]["prev_cursor"]
    while before:
        page = listing(client, account, limit=limit, before=before, **params)
        back = [image["filename"] for image in page["images"]] + back
        before = page["prev_cursor"]
    assert back + [image["filename"] for image in pages[-1]["images"]] == found
    return found


@pytest.fixture(scope="module")
def library(app_server):
    with httpx.Client(base_url=app_server.base_url, timeout=30) as client:
        account = new_account(client)
        uploads = [("cat.png", png((40, 30))), ("dog.jpg", jpeg((300, 200))),
                   ("Cat-2.jpg", jpeg((90, 60))), ("bird.png", png((200, 150)))]
        made = [upload_image(client, account, data, "image/png" if name.endswith("png")
                             else "image/jpeg", name) for name, data in uploads]
        new_account(client)  # someone else, whose images never show
        return account, made


def test_each_sort_pages_forwards_and_backwards(client, library):
    account, made = library
    by_upload = [image["filename"] for image in made]
    assert names(client, account) == by_upload[::-1]
    assert names(client, account, sort="oldest") == by_upload
    by_size = sorted(made, key=lambda image: (-image["size_bytes"], -image["id"]))
    assert names(client, account, limit=3, sort="largest") == [i["filename"] for i in by_size]


def test_filters(client, library):
    account, made = library
    assert names(client, account, q="CAT", sort="oldest") == ["cat.png", "Cat-2.jpg"]
    assert names(client, account, type="image/jpeg") == ["Cat-2.jpg", "dog.jpg"]
    assert names(client, account, type="png", sort="largest", limit=1) == [
        i["filename"] for i in sorted((m for m in made if m["filename"].endswith("png")),
                                      key=lambda i: -i["size_bytes"])]
    today = made[0]["created_at"][:10]
    page = listing(client, account, **{"from": today, "to": today, "q": "cat"})
    assert page["total"] == 2 and len(page["images"]) == 2
    assert listing(client, account, **{"to": "2000-01-01"})["images"] == []
    assert listing(client, account, q="nothing-like-it")["total"] == 0


@pytest.mark.parametrize(("params", "field"), [
    ({"sort": "random"}, "sort"), ({"type": "text/html"}, "type"), ({"from": "soon"}, "from"),
    ({"from": "2026-05-02", "to": "2026-05-01"}, "to"), ({"q": "x" * 101}, "q"),
    ({"cursor": "bm90"}, "cursor"), ({"limit": "0"}, "limit"),
])
def test_bad_values_are_400_naming_the_field(client, library, params, field):
    account, _ = library
    reply = client.get("/api/images", headers=account.headers, params=params)
    assert reply.status_code == 400, reply.text
    body = reply.json()
    assert body["code"] in ("validation_error", "invalid_cursor") and body["detail"]
    assert body["errors"][0]["field"] == field


def test_listing_parameters_are_declared_in_openapi(client):
    spec = client.get("/api/openapi.json").json()
    parameters = {p["name"]: p for p in spec["paths"]["/api/images/"]["get"]["parameters"]}
    assert {"q", "type", "from", "to", "sort", "cursor", "before"} <= set(parameters)
    assert parameters["sort"]["schema"]["enum"] == ["newest", "oldest", "largest"]
    assert {"/api/images/bulk-delete", "/api/images/zip", "/api/images/zip/{link}"} <= set(
        spec["paths"])


def test_bulk_delete_and_zip(client):
    account, stranger = new_account(client), new_account(client)
    made = [upload_image(client, account, png(color=(n, 0, 0)), filename=f"p{n}.png")
            for n in range(4)]
    theirs = upload_image(client, stranger)
    ids = [image["id"] for image in made]

    link = client.post("/api/images/zip", headers=account.headers, json={"ids": ids[:3]})
    assert link.status_code == 200, link.text
    # The link is the credential: no Authorization header.
    archive = httpx.get(link.json()["url"], timeout=30)
    assert archive.status_code == 200
    assert archive.headers["content-type"] == "application/zip"
    assert "attachment" in archive.headers["content-disposition"]
    assert sorted(zipfile.ZipFile(io.BytesIO(archive.content)).namelist()) == [
        "p0.png", "p1.png", "p2.png"]
    foreign = client.post("/api/images/zip", headers=account.headers,
                          json={"ids": [ids[0], theirs["id"]]})
    assert foreign.status_code == 404 and foreign.json()["code"] == "image_not_found"
    assert client.get("/api/images/zip/forged.link").status_code == 404

    for body in ({"ids": []}, {"ids": ["1"]}, {"ids": "1"}, {}):
        reply = client.post("/api/images/bulk-delete", headers=account.headers, json=body)
        assert reply.status_code == 400, reply.text
    assert client.post("/api/images/bulk-delete", json={"ids": ids}).status_code == 401
    reply = client.post("/api/images/bulk-delete", headers=account.headers,
                        json={"ids": [*ids[:3], theirs["id"]]})
    assert reply.status_code == 200, reply.text
    assert reply.json() == {"deleted": ids[:3], "missing": [theirs["id"]]}
    remaining = listing(client, account)
    assert [i["id"] for i in remaining["images"]] == [ids[3]] and remaining["total"] == 1
    for image in made[:3]:
        gone = httpx.get(image["public_url"], timeout=10, follow_redirects=True)
        assert gone.status_code in (403, 404)  # S3 may not say whether a key exists
    assert listing(client, stranger)["total"] == 1
    # The zip link of deleted images downloads nothing.
    assert httpx.get(link.json()["url"], timeout=30).status_code == 404


def test_bulk_expiry_sets_and_clears_through_http(client):
    account, other = new_account(client, "expiry"), new_account(client, "other")
    mine = [upload_image(client, account)["id"] for _ in range(2)]
    theirs = upload_image(client, other)["id"]
    reply = client.post("/api/images/bulk-expiry", headers=account.headers,
                        json={"ids": [*mine, theirs], "expires_in": 3600})
    assert reply.status_code == 200, reply.text
    assert reply.json() == {"changed": mine, "missing": [theirs]}
    listed = client.get("/api/images", headers=account.headers).json()["images"]
    assert all(image["expires_at"] for image in listed)
    cleared = client.post("/api/images/bulk-expiry", headers=account.headers,
                          json={"ids": mine, "expires_in": None})
    assert cleared.json()["changed"] == mine
    assert not any(image["expires_at"] for image in
                   client.get("/api/images", headers=account.headers).json()["images"])
    for bad in ({"ids": mine, "expires_in": 0}, {"ids": [], "expires_in": 60},
                {"ids": mine, "expires_in": "soon"}):
        refused = client.post("/api/images/bulk-expiry", headers=account.headers, json=bad)
        assert refused.status_code == 400, (bad, refused.text)
    assert client.post("/api/images/bulk-expiry", json={"ids": mine}).status_code == 401
