"""API tokens: shown once, stored hashed, limited to their scopes, revoked at once."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session, select

from imghost.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from imghost.models import ApiToken
from imghost.services import accounts, credentials, images, sessions, tokens, uploads
from tests.support.actions import log_in, new_user, upload

ALL = list(credentials.SCOPES)


def test_a_token_is_prefixed_base62_shown_once_and_stored_as_its_hash(runtime):
    user = new_user(runtime)
    login = log_in(runtime, user)
    created = runtime.call_as(login, tokens.create, "ShareX", ["images:write"], 30)
    assert re.fullmatch(r"imghost_pat_[0-9A-Za-z]{43}", created.token)
    assert created.prefix == created.token[:18] and created.scopes == ["images:write"]
    assert (created.expires_at - created.created_at).days == 30
    with Session(runtime.engine) as session:
        row = session.exec(select(ApiToken).where(ApiToken.id == created.id)).one()
    assert row.token_hash == credentials.hash_token(created.token)
    assert created.token not in repr(row.model_dump())
    listed = runtime.call_as(login, tokens.list_tokens)
    assert [info.id for info in listed] == [created.id]
    assert not hasattr(listed[0], "token")
    # Two tokens never share a secret.
    assert len({tokens.new_secret() for _ in range(200)}) == 200


@pytest.mark.parametrize("scopes, allowed", [
    (["images:read"], {"list"}),
    (["images:write"], {"start"}),
    (["images:delete"], {"remove"}),
    (ALL, {"list", "start", "remove"}),
])
def test_a_token_can_run_exactly_the_actions_of_its_scopes(runtime, scopes, allowed):
    user = new_user(runtime)
    image_id = upload(runtime, user).image.id
    token = runtime.call_as(log_in(runtime, user), tokens.create, "t", scopes).token
    attempts = {"list": (images.list_page,), "start": (uploads.start, "a.png", "image/png", 10),
                "remove": (images.remove, image_id)}
    for name, (action, *args) in attempts.items():
        if name in allowed:
            runtime.call_as(token, action, *args)
            continue
        with pytest.raises(Forbidden) as refused:
            runtime.call_as(token, action, *args)
        assert refused.value.code == "insufficient_scope", name
    # Any token may read its own profile; none may manage tokens, sessions or the password.
    assert runtime.call_as(token, accounts.profile).id == user.id
    for action, *args in [(tokens.create, "x", ALL), (tokens.list_tokens,), (tokens.revoke, 1),
                          (sessions.list_sessions,), (sessions.end_all,), (sessions.log_out,),
                          (accounts.change_password, "a", "b")]:
        with pytest.raises(Forbidden) as refused:
            runtime.call_as(token, action, *args)
        assert refused.value.code == "insufficient_scope"


def test_revoked_and_expired_tokens_are_refused(runtime, clock):
    user = new_user(runtime)
    login = log_in(runtime, user)
    kept = runtime.call_as(login, tokens.create, "kept", ALL, 1)
    revoked = runtime.call_as(login, tokens.create, "revoked", ALL)
    runtime.call_as(login, tokens.revoke, revoked.id)
    with pytest.raises(Unauthorized) as refused:
        runtime.call_as(revoked.token, images.list_page)
    assert refused.value.code == "invalid_token"
    runtime.call_as(kept.token, images.list_page)
    clock.advance(86_400)
    with pytest.raises(Unauthorized) as refused:
        runtime.call_as(kept.token, images.list_page)
    assert refused.value.code == "token_expired"
    with pytest.raises(NotFound):  # already gone
        runtime.call_as(login, tokens.revoke, revoked.id)


def test_someone_elses_token_cannot_be_revoked(runtime):
    owner, stranger = new_user(runtime), new_user(runtime)
    created = runtime.call_as(log_in(runtime, owner), tokens.create, "mine", ALL)
    with pytest.raises(NotFound):
        runtime.call_as(log_in(runtime, stranger), tokens.revoke, created.id)
    runtime.call_as(created.token, images.list_page)


def test_last_used_is_written_at_most_once_a_minute(runtime, clock):
    user = new_user(runtime)
    login = log_in(runtime, user)
    created = runtime.call_as(login, tokens.create, "t", ALL)
    assert runtime.call_as(login, tokens.list_tokens)[0].last_used_at is None
    runtime.call_as(created.token, images.list_page)
    first = runtime.call_as(login, tokens.list_tokens)[0].last_used_at
    clock.advance(30)
    runtime.call_as(created.token, images.list_page)
    assert runtime.call_as(login, tokens.list_tokens)[0].last_used_at == first
    clock.advance(31)
    runtime.call_as(created.token, images.list_page)
    assert runtime.call_as(login, tokens.list_tokens)[0].last_used_at > first


@pytest.mark.parametrize("name, scopes, days, field", [
    ("", ALL, None, "name"), ("x" * 101, ALL, None, "name"), ("t", [], None, "scopes"),
    ("t", ["images:admin"], None, "scopes"), ("t", ALL, 0, "expires_in_days"),
    ("t", ALL, 3651, "expires_in_days")])
def test_bad_token_requests_are_refused_and_store_nothing(runtime, name, scopes, days, field):
    user = new_user(runtime)
    login = log_in(runtime, user)
    with pytest.raises(Invalid) as refused:
        runtime.call_as(login, tokens.create, name, scopes, days)
    assert refused.value.errors[0]["field"] == field
    assert runtime.call_as(login, tokens.list_tokens) == []


def test_tokens_per_user_are_limited(make_runtime):
    runtime = make_runtime(max_tokens_per_user=2)
    login = log_in(runtime, new_user(runtime))
    first = runtime.call_as(login, tokens.create, "a", ALL)
    runtime.call_as(login, tokens.create, "b", ALL)
    with pytest.raises(Conflict) as refused:
        runtime.call_as(login, tokens.create, "c", ALL)
    assert refused.value.code == "too_many_tokens"
    runtime.call_as(login, tokens.revoke, first.id)
    runtime.call_as(login, tokens.create, "c", ALL)
