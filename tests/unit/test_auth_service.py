"""Password hashing and the equal-cost login path, at the service level."""

from __future__ import annotations

import bcrypt
import pytest

from imghost.db import session_scope
from imghost.errors import Unauthorized
from imghost.services import auth
from tests.conftest import unique_name


def test_default_cost_is_12(monkeypatch, tmp_path):
    from imghost import settings

    monkeypatch.delenv("IMGHOST_BCRYPT_ROUNDS", raising=False)
    monkeypatch.setenv("IMGHOST_DATA_DIR", str(tmp_path))
    settings.get_settings.cache_clear()
    try:
        hashed = auth.hash_password("correct horse battery")
    finally:
        settings.get_settings.cache_clear()
    assert hashed.startswith("$2b$12$")
    assert auth.verify_password("correct horse battery", hashed)
    assert not auth.verify_password("wrong horse battery", hashed)


def test_unknown_user_costs_one_bcrypt_check_like_a_wrong_password(configured, monkeypatch):
    name = unique_name()
    with session_scope() as session:
        auth.register(session, name, f"{name}@example.com", "correct horse battery")
    checks: list[bytes] = []
    real_check = bcrypt.checkpw

    def counting_check(password, hashed):
        checks.append(hashed)
        return real_check(password, hashed)

    monkeypatch.setattr(bcrypt, "checkpw", counting_check)
    for login in (name, unique_name()):
        with session_scope() as session, pytest.raises(Unauthorized) as error:
            auth.authenticate(session, login, "wrong password!")
        assert error.value.detail == auth.BAD_CREDENTIALS
    assert len(checks) == 2
    # Same cost factor on both paths, so both take the same time.
    assert checks[0][:7] == checks[1][:7]
