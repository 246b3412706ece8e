"""POST /api/images (one request, for screenshot tools) and the delete link, on both backends."""

from __future__ import annotations

import re
import socket
import time
from urllib.parse import urlsplit

import httpx
import pytest

from imghost.runtime import get_runtime
from tests.support.api_client import new_account, new_api_token, upload_in_one_request
from tests.support.images import png
from tests.unit.test_processing_samples import has_private_data, hostile_files, jpeg_with_gps

MAX_UPLOAD = 25 * 1024 * 1024  # the test server's default limit


def stored_keys(user_id: int) -> list[str]:
    """Every object under the user's prefix, in whichever backend the server uses."""
    storage = get_runtime().storage
    if storage.kind == "s3":
        listed = storage.client.list_objects_v2(Bucket=storage.bucket, Prefix=f"{user_id}/")
        return [item["Key"] for item in listed.get("Contents", [])]
    folder = storage.root / str(user_id)
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def fetch(url: str) -> httpx.Response:
    return httpx.get(url, follow_redirects=True, timeout=30)


def test_one_request_upload_with_an_api_token_strips_metadata(client, served):
    account = new_account(client)
    token = new_api_token(client, account, ["images:write"])["token"]
    data = jpeg_with_gps()
    reply = upload_in_one_request(client, {"Authorization": f"Bearer {token}"}, data,
                                  "holiday.jpg")
    assert reply.status_code == 201, reply.text
    image = reply.json()
    assert image["filename"] == "holiday.jpg" and image["content_type"] == "image/jpeg"
    assert image["url"] == image["public_url"]
    assert image["thumbnail_url"] and image["delete_url"].startswith(served.base_url)
    served_bytes = fetch(image["url"])
    assert served_bytes.status_code == 200
    assert served_bytes.content[:2] == b"\xff\xd8" and not has_private_data(served_bytes.content)
    assert has_private_data(data)
    # The same counts as the two-step upload.
    listed = client.get("/api/images/", headers=account.headers).json()
    assert listed["total"] == 1 and listed["images"][0]["id"] == image["id"]


def test_the_filename_field_names_the_upload(client):
    account = new_account(client)
    reply = upload_in_one_request(client, account.headers, png(), "Screenshot.png",
                                  filename="From the field.png")
    assert reply.status_code == 201 and reply.json()["filename"] == "From the field.png"


@pytest.mark.parametrize(("data", "declared", "code"), **hostile_files())
def test_refused_files_leave_no_object_and_no_row(client, served, data, declared, code):
    account = new_account(client)
    reply = client.post("/api/images", headers=account.headers,
                        files={"file": ("x.bin", data, declared)})
    assert reply.status_code == 400, reply.text
    assert reply.json()["code"] in (code, "unsupported_type")
    assert stored_keys(account.user_id) == []
    assert client.get("/api/images/", headers=account.headers).json()["total"] == 0


@pytest.mark.parametrize(("kwargs", "code"), [
    ({"json": {"file": "x"}}, "validation_error"),
    ({"files": {"other": ("a.png", png(), "image/png")}}, "validation_error"),
    ({"data": {"file": "not a file"}}, "validation_error"),
    ({"content": b"--x\r\nnot multipart", "headers": {
        "Content-Type": "multipart/form-data; boundary=x"}}, "malformed_multipart"),
    ({"files": {"file": ("empty.png", b"", "image/png")}}, None),
])
def test_malformed_requests_are_400(client, kwargs, code):
    account = new_account(client)
    kwargs = dict(kwargs)  # shared by both backends' runs
    headers = {**account.headers, **kwargs.pop("headers", {})}
    reply = client.post("/api/images", headers=headers, **kwargs)
    assert reply.status_code == 400, reply.text
    assert code is None or reply.json()["code"] == code


def test_a_declared_oversized_body_is_refused_before_it_is_read(app_server, client):
    account = new_account(client)
    port = urlsplit(app_server.base_url).port
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        raw.sendall((f"POST /api/images HTTP/1.1\r\nHost: localhost\r\n"
                     f"Authorization: Bearer {account.token}\r\n"
                     f"Content-Type: multipart/form-data; boundary=b\r\n"
                     f"Content-Length: {MAX_UPLOAD * 4}\r\n\r\n").encode())
        started = time.monotonic()
        answer = raw.recv(65536).decode(errors="replace")  # no body sent: it must not wait
    assert answer.startswith("HTTP/1.1 413"), answer[:200]
    assert '"code":"file_too_large"' in answer.replace(" ", "")
    assert time.monotonic() - started < 5


def test_a_body_growing_past_the_limit_is_cut_off(client, served):
    account = new_account(client)
    chunk = b"\x00" * (1024 * 1024)

    def body():  # chunked: no Content-Length to refuse up front
        yield b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.png\"\r\n\r\n"
        yield b"\x89PNG\r\n\x1a\n"
        for _ in range(MAX_UPLOAD // len(chunk) + 2):
            yield chunk
        yield b"\r\n--b--\r\n"

    reply = client.post("/api/images", content=body(), headers={
        **account.headers, "Content-Type": "multipart/form-data; boundary=b"})
    assert reply.status_code == 413 and reply.json()["code"] == "file_too_large"
    assert stored_keys(account.user_id) == []


def test_a_token_without_images_write_is_refused_before_the_body_is_read(client):
    account = new_account(client)
    reader = new_api_token(client, account, ["images:read", "images:delete"])["token"]
    reply = upload_in_one_request(client, {"Authorization": f"Bearer {reader}"}, png())
    assert reply.status_code == 403 and reply.json()["code"] == "insufficient_scope"
    assert upload_in_one_request(client, {}, png()).status_code == 401


def test_the_delete_link_asks_first_then_deletes_without_logging_in(client, served):
    account = new_account(client)
    name = '<img src=x onerror="alert(1)">.png'
    image = upload_in_one_request(client, account.headers, png((40, 30)), filename=name).json()
    link = image["delete_url"]
    assert re.fullmatch(rf"{served.base_url}/api/images/{image['id']}/delete/[A-Za-z0-9_-]{{43}}",
                        link)
    with httpx.Client(timeout=30) as stranger:  # no token, no cookie
        page = stranger.get(link)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert '<form method="post">' in page.text and "<img src=x" not in page.text
        assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;.png" in page.text
        assert page.headers["referrer-policy"] == "no-referrer"
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        assert fetch(image["url"]).status_code == 200  # a GET deletes nothing
        wrong = stranger.post(link[:-4] + "AAAA")
        assert wrong.status_code == 404 and fetch(image["url"]).status_code == 200
        deleted = stranger.post(link)
        assert deleted.status_code == 200 and "Image deleted" in deleted.text
        assert fetch(image["url"]).status_code == 404
        assert stranger.post(link).status_code == 404
        assert stranger.get(link).status_code == 404
    assert stored_keys(account.user_id) == []
    assert client.get("/api/images/", headers=account.headers).json()["total"] == 0


def test_images_uploaded_in_the_browser_have_no_delete_link(client):
    from tests.support.api_client import upload_image

    account = new_account(client)
    image = upload_image(client, account)
    for secret in ("", "x", "A" * 43):
        assert client.post(f"/api/images/{image['id']}/delete/{secret}").status_code in (404, 405)
