"""POST /api/auth/register, POST /api/auth/login, GET /api/auth/me: the contract and its errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest

from tests.support.api_client import PASSWORD, new_account


def unique(prefix="u"):
    import uuid

    return f"{prefix}{uuid.uuid4().hex[:10]}"


def register(client, **fields):
    name = unique()
    body = {"username": name, "email": f"{name}@example.com", "password": PASSWORD, **fields}
    return client.post("/api/auth/register", json=body)


def assert_error(reply, status, code=None, field=None):
    assert reply.status_code == status, reply.text
    body = reply.json()
    assert isinstance(body["detail"], str) and body["detail"]
    assert isinstance(body["code"], str)
    if code:
        assert body["code"] == code
    if field:
        assert field in [e["field"] for e in body["errors"]], body


def test_register_returns_the_user(client):
    name = unique("New.User-")
    reply = client.post("/api/auth/register", json={
        "username": name, "email": f"{name}@Example.COM", "password": PASSWORD})
    assert reply.status_code == 201
    user = reply.json()
    assert user["username"] == name
    assert user["email"] == f"{name}@example.com".lower()
    assert user["image_count"] == 0
    assert "password" not in reply.text and "password_hash" not in user


@pytest.mark.parametrize(("fields", "field"), [
    ({"username": "ab"}, "username"),
    ({"username": "x" * 51}, "username"),
    ({"username": "bad name!"}, "username"),
    ({"username": "../etc"}, "username"),
    ({"email": "not-an-email"}, "email"),
    ({"email": ""}, "email"),
    ({"password": "short"}, "password"),
    ({"password": "x" * 73}, "password"),
])
def test_register_validation(client, fields, field):
    assert_error(register(client, **fields), 400, "validation_error", field)


@pytest.mark.parametrize("body", [
    {"username": 123, "email": "a@example.com", "password": PASSWORD},
    {"username": "alice", "email": ["a@example.com"], "password": PASSWORD},
    {"username": "alice", "email": "a@example.com"},
    {},
])
def test_register_wrong_types_and_missing_fields_are_400_not_422(client, body):
    assert_error(client.post("/api/auth/register", json=body), 400, "validation_error")


def test_register_malformed_json_is_400(client):
    reply = client.post("/api/auth/register", content=b"{not json",
                        headers={"Content-Type": "application/json"})
    assert_error(reply, 400, "malformed_json")


def test_username_and_email_are_unique_case_insensitively(client):
    first = register(client).json()
    again = client.post("/api/auth/register", json={
        "username": first["username"].upper(), "email": f"other{unique()}@example.com",
        "password": PASSWORD})
    assert_error(again, 409, "username_taken", "username")
    email_again = client.post("/api/auth/register", json={
        "username": unique(), "email": first["email"].upper(), "password": PASSWORD})
    assert_error(email_again, 409, "email_taken", "email")


def test_login_with_username_email_json_and_form(client):
    account = new_account(client)
    by_email = client.post("/api/auth/login", json={"username": account.email.upper(),
                                                     "password": PASSWORD})
    assert by_email.status_code == 200
    form = client.post("/api/auth/login", data={"username": account.username,
                                                "password": PASSWORD, "grant_type": "password"})
    assert form.status_code == 200
    token = form.json()
    assert token["token_type"] == "bearer"
    assert token["user"]["username"] == account.username
    me = client.get("/api/auth/me", headers={"Authorization": f"Bearer {token['access_token']}"})
    assert me.status_code == 200 and me.json()["id"] == account.user_id


def test_token_is_hs256_with_subject_session_and_seven_day_expiry(client):
    account = new_account(client)
    header = jwt.get_unverified_header(account.token)
    claims = jwt.decode(account.token, options={"verify_signature": False})
    assert header["alg"] == "HS256"
    assert claims["sub"] == str(account.user_id)
    assert isinstance(claims["sid"], int)
    lifetime = datetime.fromtimestamp(claims["exp"], UTC) - datetime.now(UTC)
    assert timedelta(days=6, hours=23) < lifetime <= timedelta(days=7)


def test_unknown_user_and_wrong_password_look_the_same(client):
    account = new_account(client)
    wrong = client.post("/api/auth/login", json={"username": account.username, "password": "nope-nope"})
    unknown = client.post("/api/auth/login", json={"username": unique(), "password": "nope-nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["code"] == "bad_credentials"


@pytest.mark.parametrize("body", [{"username": "x"}, {"password": "x"}, {"username": 1, "password": 2}])
def test_login_validation(client, body):
    assert_error(client.post("/api/auth/login", json=body), 400, "validation_error")


def test_login_malformed_json(client):
    reply = client.post("/api/auth/login", content=b"username=",
                        headers={"Content-Type": "application/json"})
    assert_error(reply, 400, "malformed_json")


def forged(claims: dict, key: str, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, key, algorithm=algorithm)


def test_bad_tokens_are_401(client, app_server):
    account = new_account(client)
    secret = app_server.env.get("IMGHOST_JWT_SECRET") or open(
        f"{app_server.env['IMGHOST_DATA_DIR']}/jwt_secret").read().strip()
    future = datetime.now(UTC) + timedelta(days=1)
    past = datetime.now(UTC) - timedelta(seconds=5)
    sub = str(account.user_id)
    sid = jwt.decode(account.token, options={"verify_signature": False})["sid"]
    unsigned = jwt.encode({"sub": sub, "sid": sid, "exp": future}, None, algorithm="none")
    cases = {
        "missing": None,
        "garbage": "not.a.token",
        "alg none": unsigned,
        "other algorithm": forged({"sub": sub, "sid": sid, "exp": future}, secret, "HS512"),
        "wrong key": forged({"sub": sub, "sid": sid, "exp": future},
                            "another-secret-of-enough-length-123456"),
        "expired": forged({"sub": sub, "sid": sid, "exp": past}, secret),
        "no expiry": forged({"sub": sub, "sid": sid}, secret),
        "no session": forged({"sub": sub, "exp": future}, secret),
        "unknown session": forged({"sub": sub, "sid": 987654321, "exp": future}, secret),
        "huge session id": forged({"sub": sub, "sid": 10**30, "exp": future}, secret),
        "another user's session": forged({"sub": "987654321", "sid": sid, "exp": future}, secret),
        "unknown API token": "imghost_pat_" + "A" * 43,
    }
    for name, token in cases.items():
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        reply = client.get("/api/auth/me", headers=headers)
        assert reply.status_code == 401, name
        assert reply.headers["www-authenticate"] == "Bearer", name
        assert reply.json()["code"] in ("not_authenticated", "invalid_token", "token_expired",
                                        "session_ended"), name
    good = forged({"sub": sub, "sid": sid, "exp": future}, secret)
    assert client.get("/api/auth/me", headers={"Authorization": f"Bearer {good}"}).status_code == 200


def test_token_of_deleted_user_is_401(client, served):
    from sqlmodel import Session, delete

    from imghost.models import User
    from imghost.runtime import get_runtime

    account = new_account(client)
    assert client.get("/api/auth/me", headers=account.headers).status_code == 200
    with Session(get_runtime().engine) as session:
        assert session.exec(delete(User).where(User.id == account.user_id)).rowcount == 1
        session.commit()
    reply = client.get("/api/auth/me", headers=account.headers)
    # The user's sessions went with the user (ON DELETE CASCADE).
    assert reply.status_code == 401 and reply.json()["code"] == "session_ended"


def test_nul_bytes_and_huge_inputs_are_refused_cleanly(client):
    assert client.post("/api/auth/login", json={"username": "ab\x00c", "password": "p\x00" * 10}
                       ).status_code == 401
    assert client.post("/api/auth/login", json={"username": "a" * 10000, "password": "b" * 10000}
                       ).status_code == 401
    reply = client.post("/api/auth/register", json={"username": "ab\x00c", "email": "x\x00@e.com",
                                                    "password": "p\x00" * 10})
    assert reply.status_code == 400
    assert {e["field"] for e in reply.json()["errors"]} >= {"username", "email"}


def test_passwords_longer_than_bcrypt_reads_count_to_the_last_byte(client):
    # 72 characters, 144 bytes: bcrypt alone would read only the first half.
    password = "é" * 71 + "a"
    name = unique("long")
    assert register(client, username=name, email=f"{name}@example.com",
                    password=password).status_code == 201
    login = {"username": name, "password": password}
    assert client.post("/api/auth/login", json=login).status_code == 200
    assert client.post("/api/auth/login", json={**login, "password": "é" * 71 + "b"}
                       ).status_code == 401
