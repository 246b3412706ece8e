"""The image endpoints: every refusal of the contract, ownership, idempotent confirm, paging."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from imghost.runtime import get_runtime
from tests.support.api_client import confirm, grant, new_account, put_bytes, upload_image
from tests.support.images import HTML_AS_PNG, SVG, jpeg, png


def error_code(reply: httpx.Response, status: int) -> str:
    assert reply.status_code == status, reply.text
    body = reply.json()
    assert body["detail"]
    return body["code"]


def nothing_stored(upload: dict) -> bool:
    """Neither the uploaded object (S3/R2: its staging key) nor an image's is left."""
    storage = get_runtime().storage
    return all(storage.head(key) is None for key in (storage.upload_key(upload["r2_key"]),
                                                     upload["r2_key"]))


def ask(client, account, **body):
    defaults = {"filename": "a.png", "content_type": "image/png", "size_bytes": 100}
    return client.post("/api/images/upload-url", headers=account.headers, json={**defaults, **body})


# -- upload-url ---------------------------------------------------------------

@pytest.mark.parametrize(("body", "code"), [
    ({"content_type": "image/svg+xml"}, "unsupported_type"),
    ({"content_type": "text/html"}, "unsupported_type"),
    ({"content_type": "application/octet-stream"}, "unsupported_type"),
    ({"size_bytes": 0}, "validation_error"),
    ({"size_bytes": -5}, "validation_error"),
    ({"size_bytes": 25 * 1024 * 1024 + 1}, "file_too_large"),
    ({"size_bytes": "100"}, "validation_error"),
    ({"filename": ""}, "validation_error"),
    ({"filename": None}, "validation_error"),
])
def test_upload_url_refusals(client, body, code):
    account = new_account(client)
    assert error_code(ask(client, account, **body), 400) == code


def test_upload_url_needs_a_token(client):
    reply = client.post("/api/images/upload-url", json={
        "filename": "a.png", "content_type": "image/png", "size_bytes": 10})
    assert error_code(reply, 401) == "not_authenticated"


def test_key_extension_comes_from_the_type_not_the_filename(client):
    account = new_account(client)
    reply = ask(client, account, filename="evil.html", content_type="image/jpeg")
    assert reply.status_code == 200
    key = reply.json()["r2_key"]
    assert key.startswith(f"{account.user_id}/") and key.endswith(".jpg")
    assert "evil" not in key


# -- confirm ------------------------------------------------------------------

def test_confirm_refuses_another_users_key(client):
    owner, intruder = new_account(client), new_account(client)
    data = png()
    upload = grant(client, owner, data)
    put_bytes(upload, data)
    assert error_code(confirm(client, intruder, upload, data), 404) == "upload_not_found"
    assert confirm(client, owner, upload, data).status_code == 201


@pytest.mark.parametrize("key", ["{uid}/../1/abc.png", "{uid}/" + "a" * 32 + ".png", "/etc/passwd",
                                 "{uid}/" + "b" * 32 + ".html", ""])
def test_confirm_of_keys_never_granted_is_404(client, key):
    account = new_account(client)
    reply = confirm(client, account, {"r2_key": key.format(uid=account.user_id)}, b"x" * 10)
    assert error_code(reply, 404) == "upload_not_found"


def test_confirm_before_upload_is_400_and_keeps_the_grant(client):
    account = new_account(client)
    data = png()
    upload = grant(client, account, data)
    assert error_code(confirm(client, account, upload, data), 400) == "object_missing"
    put_bytes(upload, data)
    assert confirm(client, account, upload, data).status_code == 201


def test_declared_size_must_match_the_grant(client):
    account = new_account(client)
    data = png()
    upload = grant(client, account, data)
    put_bytes(upload, data)
    assert error_code(confirm(client, account, upload, data + b"x"), 400) == "size_mismatch"


def test_stored_object_larger_than_declared_is_refused_and_deleted(client, served):
    account = new_account(client)
    data = png()
    upload = grant(client, account, data)
    # The presigned URL cannot carry more bytes, so write a bigger object behind its back.
    storage = get_runtime().storage
    uploaded_at = storage.upload_key(upload["r2_key"])
    storage.put(uploaded_at, data + b"\0" * 500, "image/png")
    assert error_code(confirm(client, account, upload, data), 400) == "size_mismatch"
    assert storage.head(uploaded_at) is None
    # The grant is gone too: a retry cannot resurrect it.
    assert error_code(confirm(client, account, upload, data), 404) == "upload_not_found"


def test_html_named_png_is_refused_and_deleted(client, served):
    account = new_account(client)
    upload = grant(client, account, HTML_AS_PNG, "image/png", "innocent.png")
    assert put_bytes(upload, HTML_AS_PNG).status_code == 200
    assert error_code(confirm(client, account, upload, HTML_AS_PNG, "innocent.png"), 400) == "not_an_image"
    assert nothing_stored(upload)
    assert client.get("/api/images/", headers=account.headers).json()["total"] == 0


def test_svg_bytes_sent_as_png_are_refused(client, served):
    account = new_account(client)
    upload = grant(client, account, SVG, "image/png", "logo.png")
    put_bytes(upload, SVG)
    assert error_code(confirm(client, account, upload, SVG), 400) == "not_an_image"
    assert nothing_stored(upload)


def test_jpeg_bytes_granted_as_png_are_refused(client, served):
    account = new_account(client)
    data = jpeg()
    upload = grant(client, account, data, "image/png", "photo.png")
    put_bytes(upload, data)
    assert error_code(confirm(client, account, upload, data), 400) == "not_an_image"
    assert nothing_stored(upload)


def test_traversal_filename_is_display_text_only(client):
    account = new_account(client)
    image = upload_image(client, account, filename="../../etc/passwd.png")
    assert image["filename"] == "passwd.png"
    assert image["r2_key"].startswith(f"{account.user_id}/") and ".." not in image["r2_key"]


def test_confirm_twice_returns_the_same_image(client):
    account = new_account(client)
    data = png()
    upload = grant(client, account, data)
    put_bytes(upload, data)
    first = confirm(client, account, upload, data)
    second = confirm(client, account, upload, data)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert client.get("/api/images/", headers=account.headers).json()["total"] == 1


def confirm_concurrently(base_url, account, upload, data, times=8):
    """Confirm from `times` clients at once; each, as a client should, retries after the
    Retry-After of a 503 confirm_in_progress (the server never makes them wait)."""
    def confirm_once(_):
        with httpx.Client(base_url=base_url, timeout=60) as own:
            for _attempt in range(30):
                reply = confirm(own, account, upload, data)
                if reply.status_code != 503:
                    return reply
                assert reply.json()["code"] == "confirm_in_progress", reply.text
                assert reply.headers["retry-after"] == "1"
                time.sleep(0.2)  # faster than Retry-After: the test need not take seconds
            return reply

    with ThreadPoolExecutor(max_workers=times) as pool:
        return list(pool.map(confirm_once, range(times)))


def test_concurrent_confirms_make_exactly_one_row(client, app_server):
    account = new_account(client)
    data = png()
    upload = grant(client, account, data)
    put_bytes(upload, data)
    replies = confirm_concurrently(app_server.base_url, account, upload, data)
    statuses = sorted(r.status_code for r in replies)
    assert statuses == [200] * 7 + [201], [r.text for r in replies]
    assert len({r.json()["id"] for r in replies}) == 1
    listed = client.get("/api/images/", headers=account.headers).json()
    assert listed["total"] == 1 and len(listed["images"]) == 1


def test_concurrent_confirms_of_a_rewritten_original_keep_the_object(client, served):
    """Metadata stripping rewrites the object; a racing confirm must not take it for tampering."""
    account = new_account(client)
    data = jpeg_with_gps()
    upload = grant(client, account, data, "image/jpeg", "gps.jpg")
    put_bytes(upload, data)
    replies = confirm_concurrently(served.base_url, account, upload, data)
    assert sorted(r.status_code for r in replies) == [200] * 7 + [201], [r.text for r in replies]
    image = replies[0].json()
    stored = get_runtime().storage.head(upload["r2_key"])
    assert stored is not None and stored.size == image["size_bytes"] < len(data)


def test_concurrent_confirms_of_a_refused_file_are_all_clean(client, served):
    account = new_account(client)
    upload = grant(client, account, HTML_AS_PNG, "image/png", "x.png")
    put_bytes(upload, HTML_AS_PNG)
    replies = confirm_concurrently(served.base_url, account, upload, HTML_AS_PNG, times=6)
    codes = sorted(r.json()["code"] for r in replies)
    assert codes.count("not_an_image") == 1, codes
    assert set(codes) <= {"not_an_image", "upload_not_found"}
    assert nothing_stored(upload)


def jpeg_with_gps() -> bytes:
    import io

    from PIL import Image as PILImage

    exif = PILImage.Exif()
    exif[0x8825] = {1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 36.0)}
    buffer = io.BytesIO()
    PILImage.new("RGB", (80, 60), (10, 120, 200)).save(buffer, "JPEG", exif=exif.tobytes())
    return buffer.getvalue()


# -- list ---------------------------------------------------------------------

def test_list_pages_newest_first_by_cursor(client):
    account = new_account(client)
    ids = [upload_image(client, account, png(color=(i * 40, 0, 0)))["id"] for i in range(5)]
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/images/", headers=account.headers, params=params).json()
        assert page["total"] == 5
        seen += [i["id"] for i in page["images"]]
        pages += 1
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == sorted(ids, reverse=True) and pages == 3
    alias = client.get("/api/images", headers=account.headers, params={"per_page": 4}).json()
    assert len(alias["images"]) == 4 and alias["next_cursor"]


def test_list_only_shows_your_own_images(client):
    alice, bob = new_account(client), new_account(client)
    upload_image(client, alice)
    assert client.get("/api/images/", headers=bob.headers).json() == {
        "images": [], "next_cursor": None, "prev_cursor": None, "total": 0}


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 101}, {"limit": "ten"},
                                    {"per_page": 500}, {"cursor": "garbage!"},
                                    {"cursor": "aXh4"}])
def test_list_refuses_bad_parameters(client, params):
    account = new_account(client)
    assert error_code(client.get("/api/images/", headers=account.headers, params=params),
                      400) in ("validation_error", "invalid_cursor")


# -- delete -------------------------------------------------------------------

def test_delete_of_another_users_image_is_404_and_untouched(client):
    owner, intruder = new_account(client), new_account(client)
    image = upload_image(client, owner)
    assert error_code(client.delete(f"/api/images/{image['id']}", headers=intruder.headers),
                      404) == "image_not_found"
    assert client.get("/api/images/", headers=owner.headers).json()["total"] == 1
    assert httpx.get(image["public_url"], follow_redirects=True, timeout=30).status_code == 200


def test_delete_twice_and_bad_ids(client, served):
    account = new_account(client)
    image = upload_image(client, account)
    assert client.delete(f"/api/images/{image['id']}", headers=account.headers).status_code == 204
    assert get_runtime().storage.head(image["r2_key"]) is None
    assert error_code(client.delete(f"/api/images/{image['id']}", headers=account.headers),
                      404) == "image_not_found"
    # Not an id at all: no such path (and 405 where a path exists: /api/images/confirm).
    assert error_code(client.delete("/api/images/abc", headers=account.headers),
                      404) == "not_found"
    assert error_code(client.delete("/api/images/confirm", headers=account.headers),
                      405) == "method_not_allowed"
    assert error_code(client.delete("/api/images/1"), 401) == "not_authenticated"


@pytest.mark.parametrize("path", ["/api/images/99999999999999999999", "/api/images/-1",
                                  "/api/images/0"])
def test_out_of_range_ids_are_400(client, path):
    account = new_account(client)
    assert error_code(client.delete(path, headers=account.headers), 400) == "validation_error"


def test_cursor_beyond_any_id_is_refused(client):
    import base64

    account = new_account(client)
    huge = base64.urlsafe_b64encode(b"i" + b"9" * 25).decode().rstrip("=")
    reply = client.get("/api/images/", headers=account.headers, params={"cursor": huge})
    assert error_code(reply, 400) == "invalid_cursor"
