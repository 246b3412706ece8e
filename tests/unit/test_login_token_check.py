"""Login tokens: a signature checked once per process must still expire and stay bound
to the secret it was checked with (services/credentials.py keeps verified claims)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from imghost.errors import Unauthorized
from imghost.services import credentials
from imghost.settings import Settings


def _settings(secret: str) -> Settings:
    return Settings(jwt_secret=secret)


def _token(secret: str, expires_at: datetime, sid: int = 7) -> str:
    return credentials.issue_login_token(_settings(secret), 3, sid, expires_at)


def test_a_checked_token_still_expires():
    settings = _settings("s" * 40)
    # JWT expiry is in whole seconds: this one ends within two.
    expires_at = datetime.fromtimestamp(int(time.time()) + 2, UTC)
    token = _token("s" * 40, expires_at)
    assert credentials._decode(settings, token) == (3, 7)
    time.sleep(max(0.0, expires_at.timestamp() - time.time()) + 0.05)
    with pytest.raises(Unauthorized) as refused:
        credentials._decode(settings, token)
    assert refused.value.code == "token_expired"


def test_a_token_checked_under_one_secret_is_refused_under_another():
    token = _token("a" * 40, datetime.now(UTC) + timedelta(hours=1))
    assert credentials._decode(_settings("a" * 40), token) == (3, 7)
    with pytest.raises(Unauthorized) as refused:
        credentials._decode(_settings("b" * 40), token)
    assert refused.value.code == "invalid_token"


@pytest.mark.parametrize("claims", [
    {"sub": "3", "sid": 7},                                  # no expiry
    {"sub": "3", "sid": 7, "exp": "tomorrow"},               # not a time
    {"sub": "three", "sid": 7, "exp": 4102444800},           # not an id
    {"sub": "3", "exp": 4102444800},                         # no session
])
def test_malformed_claims_are_invalid(claims):
    token = jwt.encode(claims, "c" * 40, algorithm="HS256")
    with pytest.raises(Unauthorized) as refused:
        credentials._decode(_settings("c" * 40), token)
    assert refused.value.code == "invalid_token"


def test_an_expired_token_is_refused_on_first_sight():
    token = _token("d" * 40, datetime.now(UTC) - timedelta(seconds=5))
    with pytest.raises(Unauthorized) as refused:
        credentials._decode(_settings("d" * 40), token)
    assert refused.value.code == "token_expired"


def test_a_user_built_from_a_row_first_thing_in_a_process_works():
    """identify builds the User without User(): the ORM must be set up even when this
    is the first thing a fresh worker does."""
    import subprocess
    import sys

    script = ("from datetime import datetime, UTC\n"
              "from imghost.services import credentials\n"
              "user = credentials._user_from((5, 'ann', 'ann@example.com', 'h', 2, 30, None,"
              " datetime.now(UTC)))\n"
              "print(user.id, user.username, user.bytes_stored, user.quota_bytes)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["5", "ann", "30", "None"]
