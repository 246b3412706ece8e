"""The quota through the API: shown by GET /api/auth/me, refused with 400 quota_exceeded."""

from __future__ import annotations

from imghost.runtime import get_runtime
from imghost.services import quota
from tests.support.api_client import confirm, grant, new_account, put_bytes, upload_image
from tests.support.images import png

GIB = 1024**3


def test_me_shows_usage_and_the_default_quota(client):
    account = new_account(client)
    image = upload_image(client, account)
    me = client.get("/api/auth/me", headers=account.headers).json()
    assert (me["bytes_stored"], me["quota_bytes"]) == (image["size_bytes"], 10 * GIB)


def test_upload_url_and_confirm_refuse_past_the_quota(client, served):
    account = new_account(client)
    data = png((40, 40))
    upload = grant(client, account, data)
    put_bytes(upload, data)
    get_runtime().call(quota.set_quota, account.username, str(len(data) + 10))

    too_big = client.post("/api/images/upload-url", headers=account.headers, json={
        "filename": "b.png", "content_type": "image/png", "size_bytes": 11})
    assert too_big.status_code == 400, too_big.text
    assert too_big.json()["code"] == "quota_exceeded"
    assert "quota" in too_big.json()["detail"]

    done = confirm(client, account, upload, data)  # the open grant itself still fits
    assert done.status_code == 201, done.text
    get_runtime().call(quota.set_quota, account.username, "unlimited")
    assert client.get("/api/auth/me", headers=account.headers).json()["quota_bytes"] is None

    second = grant(client, account, data)
    put_bytes(second, data)
    get_runtime().call(quota.set_quota, account.username, str(len(data)))
    refused = confirm(client, account, second, data)
    assert refused.status_code == 400 and refused.json()["code"] == "quota_exceeded", refused.text
    assert client.get("/api/images/", headers=account.headers).json()["total"] == 1
