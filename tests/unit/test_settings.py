"""Configuration: bad values stop the start with one sentence naming the variable."""

from __future__ import annotations

import pytest

from imghost.settings import ConfigError, load_settings


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    import os

    for name in [n for n in os.environ if n.startswith("IMGHOST_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("IMGHOST_DATA_DIR", str(tmp_path))
    return monkeypatch


def message(error: pytest.ExceptionInfo) -> str:
    return str(error.value.code)


@pytest.mark.parametrize(("name", "value", "expected"), [
    ("IMGHOST_MAX_UPLOAD_BYTES", "lots", "IMGHOST_MAX_UPLOAD_BYTES"),
    ("IMGHOST_PORT", "70000", "IMGHOST_PORT"),
    ("IMGHOST_STORAGE", "ftp", "IMGHOST_STORAGE"),
    ("IMGHOST_SITE_URL", "example.com", "IMGHOST_SITE_URL"),
    ("IMGHOST_DATABASE_URL", "mysql://x", "IMGHOST_DATABASE_URL"),
    ("IMGHOST_REGISTRATION_OPEN", "perhaps", "IMGHOST_REGISTRATION_OPEN"),
    ("IMGHOST_JWT_SECRET", "short", "IMGHOST_JWT_SECRET"),
    ("IMGHOST_THUMBNAIL_LEASE_SECONDS", "1", "IMGHOST_THUMBNAIL_LEASE_SECONDS"),
    ("IMGHOST_THUMBNAIL_RETRY_SECONDS", "0", "IMGHOST_THUMBNAIL_RETRY_SECONDS"),
    ("IMGHOST_THUMBNAIL_MAX_ATTEMPTS", "0", "IMGHOST_THUMBNAIL_MAX_ATTEMPTS"),
    ("IMGHOST_THUMBNAIL_POLL_SECONDS", "-1", "IMGHOST_THUMBNAIL_POLL_SECONDS"),
    ("IMGHOST_RECONCILE_INTERVAL_SECONDS", "often", "IMGHOST_RECONCILE_INTERVAL_SECONDS"),
    ("IMGHOST_USER_QUOTA_BYTES", "-1", "IMGHOST_USER_QUOTA_BYTES"),
    ("IMGHOST_CONFIRM_WORKERS", "0", "IMGHOST_CONFIRM_WORKERS"),
    ("IMGHOST_RATE_LIMIT_CONFIRM_USER", "often", "IMGHOST_RATE_LIMIT_CONFIRM_USER"),
])
def test_invalid_value_names_the_variable(clean_env, name, value, expected):
    clean_env.setenv(name, value)
    with pytest.raises(ConfigError) as error:
        load_settings()
    text = message(error)
    assert expected in text
    assert text.startswith("Invalid configuration:") and "\n" not in text


def test_s3_without_bucket_is_refused(clean_env):
    clean_env.setenv("IMGHOST_STORAGE", "s3")
    clean_env.setenv("IMGHOST_S3_ENDPOINT_URL", "http://127.0.0.1:9000")
    with pytest.raises(ConfigError) as error:
        load_settings()
    assert "IMGHOST_S3_BUCKET" in message(error)


def test_r2_endpoint_and_region_come_from_the_account_id(clean_env):
    for name, value in {"IMGHOST_STORAGE": "s3", "IMGHOST_R2_ACCOUNT_ID": "abc123",
                        "IMGHOST_S3_BUCKET": "b", "IMGHOST_S3_ACCESS_KEY_ID": "k",
                        "IMGHOST_S3_SECRET_ACCESS_KEY": "s"}.items():
        clean_env.setenv(name, value)
    settings = load_settings()
    assert settings.s3_endpoint == "https://abc123.r2.cloudflarestorage.com"
    assert settings.s3_region_name == "auto"


def test_jwt_secret_required_outside_embedded_mode(clean_env):
    clean_env.setenv("IMGHOST_DATABASE_URL", "postgresql+psycopg2://postgres@127.0.0.1/x")
    settings = load_settings()
    with pytest.raises(ConfigError) as error:
        _ = settings.signing_secret
    assert "IMGHOST_JWT_SECRET" in message(error)


def test_embedded_mode_generates_and_keeps_a_secret(clean_env, tmp_path):
    first = load_settings().signing_secret
    assert len(first) >= 32
    assert (tmp_path / "jwt_secret").stat().st_mode & 0o077 == 0
    assert load_settings().signing_secret == first


def test_defaults(clean_env):
    settings = load_settings()
    assert settings.embedded and settings.storage == "local"
    assert settings.max_upload_bytes == 25 * 1024 * 1024
    assert settings.bcrypt_rounds == 12
    assert settings.origins == ["http://localhost:8000"]


def test_allowed_origins_are_a_comma_list(clean_env):
    clean_env.setenv("IMGHOST_ALLOWED_ORIGINS", "https://a.example, https://b.example/")
    assert load_settings().origins == ["https://a.example", "https://b.example"]
