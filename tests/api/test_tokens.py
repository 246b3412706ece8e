"""API tokens and sessions through HTTP on both backends: the scope and revocation matrix."""

from __future__ import annotations

import httpx
import pytest

from tests.support.api_client import (
    PASSWORD,
    Account,
    new_account,
    new_api_token,
    upload_image,
    upload_in_one_request,
)
from tests.support.images import png

ALL = ["images:read", "images:write", "images:delete"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def attempts(client: httpx.Client, account: Account) -> dict:
    """What each endpoint needs, and a request to it: (scope or None for logins only, call)."""
    image_id = upload_image(client, account)["id"]
    data = png()
    return {
        "list images": ("images:read", lambda h: client.get("/api/images/", headers=h)),
        "upload-url": ("images:write", lambda h: client.post("/api/images/upload-url", headers=h,
                       json={"filename": "a.png", "content_type": "image/png", "size_bytes": 9})),
        "one-request upload": ("images:write",
                               lambda h: upload_in_one_request(client, h, data)),
        "delete image": ("images:delete",
                         lambda h: client.delete(f"/api/images/{image_id}", headers=h)),
        "me": ("*", lambda h: client.get("/api/auth/me", headers=h)),
        "create token": (None, lambda h: client.post("/api/tokens", headers=h,
                         json={"name": "x", "scopes": ALL})),
        "list tokens": (None, lambda h: client.get("/api/tokens", headers=h)),
        "revoke token": (None, lambda h: client.delete("/api/tokens/1", headers=h)),
        "list sessions": (None, lambda h: client.get("/api/auth/sessions", headers=h)),
        "end a session": (None, lambda h: client.delete("/api/auth/sessions/1", headers=h)),
        "log out everywhere": (None, lambda h: client.delete("/api/auth/sessions", headers=h)),
        "log out": (None, lambda h: client.post("/api/auth/logout", headers=h)),
        "change password": (None, lambda h: client.post("/api/auth/password", headers=h, json={
            "current_password": PASSWORD, "new_password": "another password 1"})),
    }


@pytest.mark.parametrize("scopes", [["images:read"], ["images:write"], ["images:delete"], ALL])
def test_a_token_reaches_exactly_its_scopes(client, scopes):
    account = new_account(client)
    token = new_api_token(client, account, scopes)
    assert token["token"].startswith("imghost_pat_") and token["scopes"] == scopes
    for name, (needed, request) in attempts(client, account).items():
        reply = request(bearer(token["token"]))
        if needed == "*" or needed in scopes:
            assert reply.status_code in (200, 201, 204), (name, reply.text)
        else:
            assert reply.status_code == 403, (name, reply.text)
            assert reply.json()["code"] == "insufficient_scope", name
    # Nothing a token tried changed the account: the login still works, the password too.
    assert client.get("/api/auth/me", headers=account.headers).status_code == 200
    assert client.post("/api/auth/login", json={"username": account.username,
                                                "password": PASSWORD}).status_code == 200


def test_token_list_shows_no_secret_and_revoking_refuses_at_once(client):
    account = new_account(client)
    first = new_api_token(client, account, ALL, name="first")
    second = new_api_token(client, account, ["images:read"], name="second")
    listed = client.get("/api/tokens", headers=account.headers).json()
    assert [t["name"] for t in listed] == ["second", "first"]
    assert all("token" not in t for t in listed)
    assert listed[1]["prefix"] == first["token"][:18]
    assert client.get("/api/images/", headers=bearer(first["token"])).status_code == 200
    assert client.get("/api/tokens", headers=account.headers).json()[1]["last_used_at"]
    assert client.delete(f"/api/tokens/{first['id']}", headers=account.headers).status_code == 204
    reply = client.get("/api/images/", headers=bearer(first["token"]))
    assert reply.status_code == 401 and reply.json()["code"] == "invalid_token"
    assert client.get("/api/images/", headers=bearer(second["token"])).status_code == 200
    other = new_account(client)
    assert client.delete(f"/api/tokens/{second['id']}", headers=other.headers).status_code == 404


@pytest.mark.parametrize("body", [
    {"name": "x", "scopes": "images:read"}, {"name": "x", "scopes": ["images:admin"]},
    {"name": "", "scopes": ALL}, {"name": 5, "scopes": ALL}, {"scopes": ALL},
    {"name": "x", "scopes": ALL, "expires_in_days": 0},
    {"name": "x", "scopes": ALL, "expires_in_days": "30"}])
def test_bad_token_requests_are_400(client, body):
    account = new_account(client)
    reply = client.post("/api/tokens", headers=account.headers, json=body)
    assert reply.status_code == 400, reply.text
    assert reply.json()["code"] == "validation_error" and reply.json()["errors"]
    assert client.get("/api/tokens", headers=account.headers).json() == []


def login(client: httpx.Client, account: Account, agent: str,
          password: str = PASSWORD) -> str:
    reply = client.post("/api/auth/login", headers={"User-Agent": agent},
                        json={"username": account.username, "password": password})
    assert reply.status_code == 200, reply.text
    return reply.json()["access_token"]


def refused(client: httpx.Client, token: str) -> bool:
    reply = client.get("/api/auth/me", headers=bearer(token))
    return reply.status_code == 401 and reply.json()["code"] == "session_ended"


def test_sessions_are_listed_and_each_way_of_ending_one_works(client):
    account = new_account(client)
    phone, laptop, tablet = (login(client, account, agent) for agent in
                             ("Phone/1", "Laptop/2", "Tablet/3"))
    listed = client.get("/api/auth/sessions", headers=bearer(laptop)).json()
    assert {"Phone/1", "Laptop/2", "Tablet/3"} <= {s["user_agent"] for s in listed}
    (current,) = [s for s in listed if s["current"]]
    assert current["user_agent"] == "Laptop/2" and current["ip_address"] == "127.0.0.1"
    assert client.post("/api/auth/logout", headers=bearer(phone)).status_code == 204
    assert refused(client, phone)
    tablet_id = next(s["id"] for s in listed if s["user_agent"] == "Tablet/3")
    assert client.delete(f"/api/auth/sessions/{tablet_id}", headers=bearer(laptop)).status_code == 204
    assert refused(client, tablet) and not refused(client, laptop)
    assert client.delete(f"/api/auth/sessions/{tablet_id}",
                         headers=bearer(laptop)).status_code == 404
    ended = client.delete("/api/auth/sessions", headers=bearer(laptop))
    assert ended.status_code == 200 and ended.json()["sessions_ended"] == 2  # laptop + new_account's
    assert refused(client, laptop) and refused(client, account.token)


def test_changing_the_password_ends_the_other_sessions_not_tokens(client):
    account = new_account(client)
    here, elsewhere = login(client, account, "Here/1"), login(client, account, "Elsewhere/1")
    token = new_api_token(client, account, ["images:read"])["token"]
    wrong = client.post("/api/auth/password", headers=bearer(here), json={
        "current_password": "not it at all", "new_password": "a new password 1"})
    assert wrong.status_code == 400 and wrong.json()["code"] == "wrong_password"
    assert not refused(client, elsewhere)
    short = client.post("/api/auth/password", headers=bearer(here), json={
        "current_password": PASSWORD, "new_password": "short"})
    assert short.status_code == 400 and short.json()["errors"][0]["field"] == "new_password"
    changed = client.post("/api/auth/password", headers=bearer(here), json={
        "current_password": PASSWORD, "new_password": "a new password 1"})
    assert changed.status_code == 200 and changed.json()["sessions_ended"] == 2
    assert refused(client, elsewhere) and refused(client, account.token)
    assert client.get("/api/auth/me", headers=bearer(here)).status_code == 200
    assert client.get("/api/images/", headers=bearer(token)).status_code == 200
    login(client, account, "Again/1", "a new password 1")
