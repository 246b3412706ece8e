"""Presigned PUT URLs on both backends: the store itself refuses anything but the granted body.

The local backend's URLs are served by the running app; the S3 ones by SeaweedFS,
which verifies SigV4 signatures like R2 does.
"""

from __future__ import annotations

import time
import uuid

import httpx
import pytest

from imghost.runtime import get_runtime
from imghost.services.storage import make_storage
from tests.support.actions import new_user
from tests.support.api_client import new_account, upload_image
from tests.support.images import png


def new_key(user_id: int = 999) -> str:
    return f"{user_id}/{uuid.uuid4().hex}.png"


def put(url: str, data: bytes, content_type: str = "image/png") -> httpx.Response:
    return httpx.put(url, content=data, headers={"Content-Type": content_type}, timeout=30)


@pytest.fixture
def storage(served):
    return get_runtime().storage


def test_granted_put_is_stored_byte_for_byte(storage):
    from imghost.services import uploads

    runtime, data = get_runtime(), png()
    granted = runtime.call(uploads.start, new_user(runtime, "put"), "a.png", "image/png", len(data))
    assert put(granted.upload_url, data).status_code == 200
    key = storage.upload_key(granted.r2_key)
    stored = storage.head(key)
    assert stored is not None and stored.size == len(data)
    assert storage.read(key) == data
    assert storage.read_prefix(key, 8) == data[:8]


def test_wrong_content_type_is_refused(storage):
    key, data = new_key(), png()
    grant = storage.presign_put(key, "image/png", len(data))
    assert put(grant.url, data, "text/html").status_code == 403
    assert storage.head(key) is None


@pytest.mark.parametrize("delta", [1, -1])
def test_different_length_is_refused(storage, delta):
    key, data = new_key(), png()
    grant = storage.presign_put(key, "image/png", len(data) + delta)
    assert put(grant.url, data).status_code == 403
    assert storage.head(key) is None


def test_tampered_signature_is_refused(storage):
    key, data = new_key(), png()
    grant = storage.presign_put(key, "image/png", len(data))
    other = new_key()
    tampered = grant.url.replace(key.split("/")[1], other.split("/")[1])
    assert tampered != grant.url
    assert put(tampered, data).status_code == 403
    flipped = grant.url[:-1] + ("0" if grant.url[-1] != "0" else "1")
    assert put(flipped, data).status_code == 403
    assert storage.head(key) is None and storage.head(other) is None


def test_expired_url_is_refused(served):
    short_lived = make_storage(get_runtime().settings.model_copy(update={"upload_url_ttl_seconds": 1}))
    key, data = new_key(), png()
    grant = short_lived.presign_put(key, "image/png", len(data))
    time.sleep(2.2)
    assert put(grant.url, data).status_code == 403
    assert short_lived.head(key) is None


def test_delete_removes_the_object(storage):
    key, data = new_key(), png()
    storage.put(key, data, "image/png")
    assert storage.head(key) is not None
    storage.delete(key)
    assert storage.head(key) is None
    storage.delete(key)  # deleting twice is harmless


def test_public_url_serves_the_image_inertly(served):
    with httpx.Client(base_url=served.base_url, timeout=30) as client:
        data = png()
        image = upload_image(client, new_account(client), data)
    reply = httpx.get(image["public_url"], follow_redirects=True, timeout=30)
    assert reply.status_code == 200 and reply.content == data
    assert reply.headers["content-type"] == "image/png"
    if get_runtime().storage.kind == "local":
        assert reply.headers["x-content-type-options"] == "nosniff"
        assert "sandbox" in reply.headers["content-security-policy"]
        assert reply.headers["content-disposition"] == "inline"
        ranged = httpx.get(image["public_url"], headers={"Range": "bytes=0-7"}, timeout=30)
        assert ranged.status_code == 206 and ranged.content == data[:8]


def test_app_file_route_refuses_malformed_keys(served):
    for path in ("/api/files/../etc/passwd", "/api/files/1/%2e%2e/x.png", "/api/files/notakey",
                 "/api/files/1/" + "0" * 32 + ".html"):
        reply = httpx.get(served.base_url + path, timeout=10)
        assert reply.status_code == 404, path
        assert reply.json()["code"] in ("file_not_found", "not_found"), path


def test_missing_object_is_404(served):
    reply = httpx.get(f"{served.base_url}/api/files/{new_key()}", follow_redirects=True, timeout=10)
    assert reply.status_code == 404
