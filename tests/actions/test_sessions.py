"""Sessions: every login is a row; ending it (or changing the password) ends its token."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from imghost.errors import Invalid, NotFound, TooManyRequests, Unauthorized
from imghost.models import User
from imghost.services import accounts, auth, sessions
from tests.support.actions import log_in, new_user
from tests.support.api_client import PASSWORD


def refused_code(runtime, token: str) -> str:
    with pytest.raises(Unauthorized) as refused:
        runtime.call_as(token, accounts.profile)
    return refused.value.code


def test_every_login_is_a_listed_session_and_log_out_ends_it(runtime):
    user = new_user(runtime)
    phone, laptop = log_in(runtime, user, "Phone/1.0"), log_in(runtime, user, "Laptop/2.0")
    listed = runtime.call_as(laptop, sessions.list_sessions)
    assert {s.user_agent for s in listed} == {"Phone/1.0", "Laptop/2.0"}
    assert [s.user_agent for s in listed if s.current] == ["Laptop/2.0"]
    assert all(s.ip_address.startswith("198.18.") for s in listed)
    runtime.call_as(phone, sessions.log_out)
    assert refused_code(runtime, phone) == "session_ended"
    assert runtime.call_as(laptop, accounts.profile).id == user.id
    assert len(runtime.call_as(laptop, sessions.list_sessions)) == 1


def test_end_one_session_end_all_and_others_are_not_yours(runtime):
    user, stranger = new_user(runtime), new_user(runtime)
    first, second, third = (log_in(runtime, user) for _ in range(3))
    theirs = log_in(runtime, stranger)
    other_id = next(s.id for s in runtime.call_as(first, sessions.list_sessions) if not s.current)
    with pytest.raises(NotFound):
        runtime.call_as(theirs, sessions.end, other_id)
    runtime.call_as(first, sessions.end, other_id)
    assert len(runtime.call_as(first, sessions.list_sessions)) == 2
    assert runtime.call_as(first, sessions.end_all) == 2
    for token in (first, second, third):
        assert refused_code(runtime, token) == "session_ended"
    assert runtime.call_as(theirs, accounts.profile).id == stranger.id


def test_changing_the_password_ends_every_other_session(runtime):
    user = new_user(runtime)
    here, elsewhere = log_in(runtime, user), log_in(runtime, user)
    assert runtime.call_as(here, accounts.change_password, PASSWORD, "a new password 2") == 1
    assert refused_code(runtime, elsewhere) == "session_ended"
    assert runtime.call_as(here, accounts.profile).id == user.id
    runtime.call(accounts.log_in, user.username, "a new password 2", "192.0.2.50")
    with pytest.raises(Unauthorized):
        runtime.call(accounts.log_in, user.username, PASSWORD, "192.0.2.51")


def test_a_wrong_current_password_changes_nothing_and_is_rate_limited(runtime):
    user = new_user(runtime)
    here, elsewhere = log_in(runtime, user), log_in(runtime, user)
    # login_account: 3 per 15 minutes in the action tests; the first login from a new
    # network took one.
    for _ in range(2):
        with pytest.raises(Invalid) as refused:
            runtime.call_as(here, accounts.change_password, "not my password", "whatever new 1")
        assert refused.value.code == "wrong_password"
    with pytest.raises(TooManyRequests):  # even with the right password, for a while
        runtime.call_as(here, accounts.change_password, PASSWORD, "whatever new 1")
    assert runtime.call_as(elsewhere, accounts.profile).id == user.id
    with Session(runtime.engine) as session:
        assert auth.verify_password(PASSWORD, session.get(User, user.id).password_hash)


def test_a_too_short_new_password_is_refused(runtime):
    user = new_user(runtime)
    token = log_in(runtime, user)
    with pytest.raises(Invalid) as refused:
        runtime.call_as(token, accounts.change_password, PASSWORD, "short")
    assert refused.value.errors[0]["field"] == "new_password"
    runtime.call(accounts.log_in, user.username, PASSWORD, "192.0.2.60")


def test_last_seen_is_written_at_most_once_a_minute(runtime, clock):
    user = new_user(runtime)
    token = log_in(runtime, user)
    seen = runtime.call_as(token, sessions.list_sessions)[0].last_seen_at
    clock.advance(59)
    runtime.call_as(token, accounts.profile)
    assert runtime.call_as(token, sessions.list_sessions)[0].last_seen_at == seen
    clock.advance(2)
    runtime.call_as(token, accounts.profile)
    assert runtime.call_as(token, sessions.list_sessions)[0].last_seen_at > seen


def test_beyond_the_cap_a_new_login_ends_the_longest_idle_session(make_runtime, clock):
    runtime = make_runtime(max_sessions_per_user=2)
    user = new_user(runtime)
    oldest = log_in(runtime, user)
    clock.advance(120)
    newer = log_in(runtime, user)
    clock.advance(120)
    newest = log_in(runtime, user)
    assert refused_code(runtime, oldest) == "session_ended"
    for token in (newer, newest):
        runtime.call_as(token, accounts.profile)
