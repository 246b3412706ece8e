"""Password hashing and the equal-cost login path, at the service level."""

from __future__ import annotations

import os

import bcrypt
import pytest
from sqlmodel import Session

from imghost.errors import Unauthorized
from imghost.services import accounts, auth
from tests.support.actions import unique_name


def test_default_cost_is_12(monkeypatch, tmp_path):
    from imghost.migrations import upgrade_to_head
    from imghost.runtime import get_runtime, reset_runtime

    for name in [n for n in os.environ if n.startswith("IMGHOST_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("IMGHOST_DATA_DIR", str(tmp_path))
    reset_runtime()
    try:
        runtime = get_runtime()
        assert runtime.settings.bcrypt_rounds == 12
        upgrade_to_head(runtime.settings.resolved_database_url)
        name = unique_name()
        hashed = runtime.call(accounts.create_user, name, f"{name}@example.com",
                              "correct horse battery").password_hash
    finally:
        reset_runtime()
    assert hashed.startswith("$2b$12$")
    assert auth.verify_password("correct horse battery", hashed)
    assert not auth.verify_password("wrong horse battery", hashed)


def test_unknown_user_costs_one_bcrypt_check_like_a_wrong_password(configured, monkeypatch):
    name = unique_name()
    configured.call(accounts.create_user, name, f"{name}@example.com", "correct horse battery")
    rounds = configured.settings.bcrypt_rounds
    checks: list[bytes] = []
    real_check = bcrypt.checkpw

    def counting_check(password, hashed):
        checks.append(hashed)
        return real_check(password, hashed)

    monkeypatch.setattr(bcrypt, "checkpw", counting_check)
    for login in (name, unique_name()):
        with Session(configured.engine) as session, pytest.raises(Unauthorized) as error:
            auth.check_password(session, login, "wrong password!", rounds)
        assert error.value.detail == auth.BAD_CREDENTIALS
    assert len(checks) == 2
    # Same cost factor on both paths, so both take the same time.
    assert checks[0][:7] == checks[1][:7]
