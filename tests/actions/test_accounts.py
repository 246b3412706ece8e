"""accounts.sign_up / log_in: the registration switch, the limits and the counts live here."""

from __future__ import annotations

import logging
import uuid

import pytest
from sqlmodel import Session, select

from imghost.errors import Forbidden, Invalid, TooManyRequests, Unauthorized
from imghost.models import User
from imghost.services import accounts
from tests.support.api_client import PASSWORD


def fresh_name() -> str:
    return f"user_{uuid.uuid4().hex[:10]}"


def sign_up(runtime, ip: str = "203.0.113.7", name: str | None = None):
    name = name or fresh_name()
    return runtime.call(accounts.sign_up, name, f"{name}@example.com", PASSWORD, ip)


def remaining(runtime, rule: str, identifier: str) -> int:
    limiter = runtime.limiter
    return limiter.strategy.get_window_stats(limiter.items[rule], rule, identifier).remaining


def test_closed_registration_refuses_before_counting_the_attempt(make_runtime):
    runtime = make_runtime(registration_open=False)
    for _ in range(5):
        with pytest.raises(Forbidden) as refused:
            sign_up(runtime, ip="198.51.100.1")
        assert refused.value.code == "registration_closed"
    assert remaining(runtime, "register_ip", "198.51.100.1") == 3
    assert runtime.metrics.value("imghost_sign_ups") == 0


def test_sign_ups_are_limited_per_address_and_counted(runtime):
    for _ in range(3):
        sign_up(runtime, ip="198.51.100.2")
    with pytest.raises(TooManyRequests):
        sign_up(runtime, ip="198.51.100.2")
    sign_up(runtime, ip="198.51.100.3")  # another address is not held
    assert runtime.metrics.value("imghost_sign_ups") == 4


def test_a_refused_sign_up_leaves_no_row(runtime):
    name = fresh_name()
    with pytest.raises(Invalid):
        runtime.call(accounts.sign_up, name, "not an email", PASSWORD, "198.51.100.4")
    with Session(runtime.engine) as session:
        assert session.exec(select(User).where(User.username == name)).first() is None


def test_sign_up_logs_in_and_writes_an_audit_line(runtime, caplog):
    with caplog.at_level(logging.INFO, logger="imghost.audit"):
        signed_up = sign_up(runtime)
    assert runtime.call(accounts.caller, signed_up.token).id == signed_up.user.id
    assert any(r.getMessage() == "user signed up" and r.fields["user_id"] == signed_up.user.id
               for r in caplog.records)


def test_log_in_by_name_or_email_and_count_outcomes(runtime):
    user = sign_up(runtime).user
    for login in (user.username.upper(), user.email):
        assert runtime.call(accounts.log_in, login, PASSWORD, "192.0.2.1").user.id == user.id
    with pytest.raises(Unauthorized) as refused:
        runtime.call(accounts.log_in, user.username, "wrong password", "192.0.2.1")
    assert refused.value.code == "bad_credentials"
    assert runtime.metrics.value("imghost_logins", outcome="ok") == 2
    assert runtime.metrics.value("imghost_logins", outcome="failed") == 1


def test_log_in_attempts_are_limited_per_address(runtime):
    for _ in range(5):
        with pytest.raises(Unauthorized):
            runtime.call(accounts.log_in, fresh_name(), "whatever1", "192.0.2.9")
    with pytest.raises(TooManyRequests):
        runtime.call(accounts.log_in, fresh_name(), "whatever1", "192.0.2.9")


def test_a_token_of_another_server_names_no_one(runtime, make_runtime):
    token = sign_up(runtime).token
    other = make_runtime(jwt_secret="x" * 48)
    with pytest.raises(Unauthorized) as refused:
        other.call(accounts.caller, token)
    assert refused.value.code == "invalid_token"
