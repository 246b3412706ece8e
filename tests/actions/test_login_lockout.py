"""accounts.log_in under attack: parallel guesses are counted exactly, and a stranger
guessing an account's password cannot lock its owner out (known networks pass).

Limits from tests/actions/conftest.py: 5 attempts a minute per address, 3 per 15
minutes per account from networks it never logged in from.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from imghost.errors import TooManyRequests, Unauthorized
from imghost.models import KnownLogin
from imghost.services import accounts
from tests.support.actions import new_user, unique_name
from tests.support.api_client import PASSWORD

OWNER_HOME = "192.0.2.10"


def parallel_logins(runtime, attempts: list[tuple[str, str, str]]) -> list[str]:
    """Run every (login, password, address) at once; the outcome of each."""
    barrier = threading.Barrier(len(attempts))

    def attempt(args) -> str:
        barrier.wait()
        try:
            runtime.call(accounts.log_in, *args)
            return "ok"
        except Unauthorized:
            return "wrong"
        except TooManyRequests:
            return "limited"

    with ThreadPoolExecutor(len(attempts)) as pool:
        return list(pool.map(attempt, attempts))


@pytest.fixture
def owner(runtime):
    """Signed up at home: home is a known network, and no attempt was counted."""
    name = unique_name("owner")
    return runtime.call(accounts.sign_up, name, f"{name}@example.com", PASSWORD, OWNER_HOME).user


def test_parallel_guesses_from_many_addresses_get_exactly_the_account_limit(runtime, owner):
    guesses = [(owner.username, f"guess number {i}", f"198.51.100.{i}") for i in range(1, 21)]
    outcomes = parallel_logins(runtime, guesses)
    assert outcomes.count("wrong") == 3 and outcomes.count("limited") == 17
    # The owner, at home, still gets in while the account is held for strangers ...
    assert runtime.call(accounts.log_in, owner.username, PASSWORD, OWNER_HOME).user.id == owner.id
    with pytest.raises(Unauthorized):  # ... and a typo there is a typo, not a lock-out
        runtime.call(accounts.log_in, owner.email, "typo password", OWNER_HOME)
    # A new place waits for the window like a stranger would (docs/security.md).
    with pytest.raises(TooManyRequests):
        runtime.call(accounts.log_in, owner.username, PASSWORD, "192.0.2.99")


def test_parallel_guesses_from_one_address_get_exactly_the_address_limit(runtime):
    guesses = [(f"nobody_{i}", "guess password", "203.0.113.50") for i in range(12)]
    outcomes = parallel_logins(runtime, guesses)
    assert outcomes.count("wrong") == 5 and outcomes.count("limited") == 7


def test_names_spelled_differently_are_one_account(runtime, owner):
    for login, address in ((owner.username.upper(), "198.51.100.1"), (owner.email, "198.51.100.2"),
                           (owner.username, "198.51.100.3")):
        with pytest.raises(Unauthorized):
            runtime.call(accounts.log_in, login, "wrong password", address)
    with pytest.raises(TooManyRequests):
        runtime.call(accounts.log_in, owner.email.upper(), "wrong password", "198.51.100.4")


def test_an_ipv6_home_is_its_64_and_no_address_is_stored(runtime):
    user = new_user(runtime, "six")  # made by the operator: no known network yet
    runtime.call(accounts.log_in, user.username, PASSWORD, "2001:db8:1:2::1")  # counts once
    for i in range(2):
        with pytest.raises(Unauthorized):
            runtime.call(accounts.log_in, user.username, "wrong password", f"198.51.100.{i + 1}")
    # Another address in the same /64 (privacy addresses rotate) is still home ...
    assert runtime.call(accounts.log_in, user.username, PASSWORD, "2001:db8:1:2:a:b:c:d").user.id == user.id
    # ... the next /64 is not.
    with pytest.raises(TooManyRequests):
        runtime.call(accounts.log_in, user.username, PASSWORD, "2001:db8:1:3::1")
    with Session(runtime.engine) as session:
        rows = session.exec(select(KnownLogin).where(KnownLogin.user_id == user.id)).all()
    assert len(rows) == 1 and "2001" not in rows[0].network_hash and len(rows[0].network_hash) == 64


def test_a_network_not_seen_for_long_is_forgotten(make_runtime, clock):
    runtime = make_runtime(login_known_network_days=30)
    user = new_user(runtime, "away")
    runtime.call(accounts.log_in, user.username, PASSWORD, OWNER_HOME)  # counts once
    for i in range(2):
        with pytest.raises(Unauthorized):
            runtime.call(accounts.log_in, user.username, "wrong password", f"198.51.100.{i + 1}")
    clock.advance(timedelta(days=29).total_seconds())
    runtime.call(accounts.log_in, user.username, PASSWORD, OWNER_HOME)  # renews it for 30 days
    clock.advance(timedelta(days=29).total_seconds())
    runtime.call(accounts.log_in, user.username, PASSWORD, OWNER_HOME)
    clock.advance(timedelta(days=31).total_seconds())
    with pytest.raises(TooManyRequests):
        runtime.call(accounts.log_in, user.username, PASSWORD, OWNER_HOME)
