"""The whole upload flow, as an outside client drives it, on both backends."""

from __future__ import annotations

import httpx

from tests.support.api_client import confirm, grant, new_account, put_bytes
from tests.support.images import png


def test_grant_put_confirm_list_fetch_delete(client, app_server):
    account = new_account(client)
    data = png((120, 80))
    upload = grant(client, account, data, filename="holiday.png")
    assert upload["method"] == "PUT"
    assert upload["r2_key"].startswith(f"{account.user_id}/")
    assert upload["r2_key"].endswith(".png")

    assert put_bytes(upload, data).status_code in (200, 201)
    confirmed = confirm(client, account, upload, data, filename="holiday.png")
    assert confirmed.status_code == 201, confirmed.text
    image = confirmed.json()
    assert image["filename"] == "holiday.png"
    assert image["size_bytes"] == len(data)
    assert image["content_type"] == "image/png"

    listed = client.get("/api/images/", headers=account.headers).json()
    assert [i["id"] for i in listed["images"]] == [image["id"]]
    assert listed["total"] == 1 and listed["next_cursor"] is None

    fetched = httpx.get(image["public_url"], follow_redirects=True, timeout=30)
    assert fetched.status_code == 200
    assert fetched.content == data
    assert fetched.headers["content-type"].startswith("image/png")

    assert client.delete(f"/api/images/{image['id']}", headers=account.headers).status_code == 204
    after = client.get("/api/images/", headers=account.headers).json()
    assert after["images"] == [] and after["total"] == 0
    gone = httpx.get(image["public_url"], follow_redirects=True, timeout=30)
    assert gone.status_code in (403, 404)
