"""Small helpers that drive the REST API the way an outside client does."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import httpx

from tests.support.images import png

PASSWORD = "correct horse battery"


@dataclass
class Account:
    username: str
    email: str
    token: str
    user_id: int

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def new_account(client: httpx.Client, prefix: str = "user") -> Account:
    username = f"{prefix}_{uuid.uuid4().hex[:10]}"
    email = f"{username}@example.com"
    reply = client.post("/api/auth/register",
                        json={"username": username, "email": email, "password": PASSWORD})
    assert reply.status_code == 201, reply.text
    login = client.post("/api/auth/login", json={"username": username, "password": PASSWORD})
    assert login.status_code == 200, login.text
    return Account(username, email, login.json()["access_token"], reply.json()["id"])


def grant(client: httpx.Client, account: Account, data: bytes, content_type: str = "image/png",
          filename: str = "picture.png") -> dict:
    reply = client.post("/api/images/upload-url", headers=account.headers, json={
        "filename": filename, "content_type": content_type, "size_bytes": len(data)})
    assert reply.status_code == 200, reply.text
    return reply.json()


def put_bytes(upload: dict, data: bytes, **header_overrides) -> httpx.Response:
    headers = {**upload["headers"], **header_overrides}
    return httpx.request(upload["method"], upload["upload_url"], content=data, headers=headers,
                         timeout=30)


def confirm(client: httpx.Client, account: Account, upload: dict, data: bytes,
            filename: str = "picture.png", **extra) -> httpx.Response:
    return client.post("/api/images/confirm", headers=account.headers, json={
        "r2_key": upload["r2_key"], "filename": filename, "size_bytes": len(data), **extra})


def upload_image(client: httpx.Client, account: Account, data: bytes | None = None,
                 content_type: str = "image/png", filename: str = "picture.png") -> dict:
    data = data if data is not None else png()
    upload = grant(client, account, data, content_type, filename)
    stored = put_bytes(upload, data)
    assert stored.status_code in (200, 201), stored.text
    reply = confirm(client, account, upload, data, filename)
    assert reply.status_code == 201, reply.text
    return reply.json()


def upload_in_one_request(client: httpx.Client, headers: dict[str, str], data: bytes,
                          file_name: str = "shot.png", **fields: str) -> httpx.Response:
    """POST /api/images as a screenshot tool does: multipart, field `file`."""
    return client.post("/api/images", headers=headers, data=fields or None,
                       files={"file": (file_name, data, "application/octet-stream")})


def new_api_token(client: httpx.Client, account: Account, scopes: list[str],
                  name: str = "test token") -> dict:
    reply = client.post("/api/tokens", headers=account.headers,
                        json={"name": name, "scopes": scopes})
    assert reply.status_code == 201, reply.text
    return reply.json()
