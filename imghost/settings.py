"""All configuration, read once from IMGHOST_* environment variables.

A bad value stops the process at start with one sentence naming the variable,
instead of surfacing later as a traceback inside a request.
"""

from __future__ import annotations

import functools
import secrets
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

MIB = 1024 * 1024


class ConfigError(SystemExit):
    """Raised (and exits the process) when the configuration cannot work."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="IMGHOST_", extra="ignore")

    # Where the embedded defaults keep their files (SQLite, objects, secret).
    data_dir: Path = Path("data")
    # Empty means the embedded SQLite file under data_dir.
    database_url: str = ""
    # How long a starting server waits for an unreachable database before giving up.
    database_wait_seconds: float = Field(default=60, ge=0, le=3600)
    storage: Literal["local", "s3"] = "local"

    # The address people reach the site at; local upload URLs and app-served
    # public URLs are built from it.
    site_url: str = "http://localhost:8000"
    port: int = Field(default=8000, ge=1, le=65535)
    # Comma-separated; empty means only site_url.
    allowed_origins: str = ""

    s3_endpoint_url: str = ""
    s3_bucket: str = ""
    s3_access_key_id: str = ""
    s3_secret_access_key: str = ""
    s3_region: str = ""
    r2_account_id: str = ""
    # R2 custom domain / r2.dev URL or any public bucket URL; empty means images
    # are served through the app, which redirects to a short-lived presigned GET.
    s3_public_base_url: str = ""

    jwt_secret: str = ""
    jwt_expire_days: int = Field(default=7, ge=1, le=365)
    bcrypt_rounds: int = Field(default=12, ge=4, le=16)

    max_upload_bytes: int = Field(default=25 * MIB, ge=1, le=5 * 1024 * MIB)
    upload_url_ttl_seconds: int = Field(default=15 * 60, ge=30, le=7 * 24 * 3600)
    registration_open: bool = True
    keep_metadata: bool = False
    # Thumbnail threads per process. At most this many + 1 images are decoded at once
    # (confirm checks included): the memory budget, up to ~400 MB each at 100 megapixels.
    processing_workers: int = Field(default=2, ge=1, le=32)

    # Gallery and API listing: the longest filename search text accepted.
    search_max_chars: int = Field(default=100, ge=1, le=255)
    # Bulk actions (delete, zip download): the most images one request may name.
    bulk_max_images: int = Field(default=1000, ge=1, le=10_000)
    # A zip download's largest total of original bytes, and how long its link works.
    zip_max_bytes: int = Field(default=2048 * MIB, ge=1)
    zip_link_ttl_seconds: int = Field(default=300, ge=10, le=24 * 3600)

    # Shared state for several workers/containers: rate-limit counters live here
    # when set (Reflex's own state uses REFLEX_REDIS_URL). Empty: per-process memory.
    redis_url: str = ""
    # Namespaces the keys, so several imghost sites can share one Redis.
    redis_prefix: str = Field(default="imghost", pattern=r"^[A-Za-z0-9_.:-]{1,64}$")
    # Rate limits in the `limits` notation ("10/minute", "5 per 15 minutes").
    rate_limit_enabled: bool = True
    rate_limit_login_ip: str = "30/minute"
    rate_limit_login_account: str = "10 per 15 minutes"
    rate_limit_register_ip: str = "10/hour"
    rate_limit_upload_user: str = "120/minute"
    # How many reverse proxies in front append to X-Forwarded-For; 0 trusts none,
    # so a client cannot pick its own address to dodge the per-IP limits.
    trusted_proxy_hops: int = Field(default=0, ge=0, le=10)

    # The app deletes objects of grants that expired unconfirmed this often
    # (0 turns the background sweep off; `imghost sweep` still works). The grace
    # period lets a confirm that started just before expiry finish first.
    sweep_interval_seconds: int = Field(default=600, ge=0)
    sweep_grace_seconds: int = Field(default=3600, ge=0)

    # When set, GET /api/metrics needs "Authorization: Bearer <token>".
    metrics_token: str = ""
    log_format: Literal["json", "text"] = "json"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str) -> str:
        value = value.strip()
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must be a redis://, rediss:// or unix:// URL")
        return value

    @field_validator("rate_limit_login_ip", "rate_limit_login_account", "rate_limit_register_ip",
                     "rate_limit_upload_user")
    @classmethod
    def _rate_limit(cls, value: str) -> str:
        from limits import parse_many

        try:
            parse_many(value)
        except ValueError:
            raise ValueError("must look like '10/minute' or '5 per 15 minutes'") from None
        return value

    @field_validator("site_url", "s3_public_base_url", "s3_endpoint_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        value = value.strip()
        if value and not value.startswith(("sqlite", "postgresql")):
            raise ValueError("must be a sqlite:/// or postgresql+psycopg2:// URL")
        return value

    @model_validator(mode="after")
    def _s3_complete(self) -> Settings:
        if self.storage != "s3":
            return self
        if not (self.s3_endpoint_url or self.r2_account_id):
            raise ValueError(
                "IMGHOST_STORAGE=s3 needs IMGHOST_S3_ENDPOINT_URL or IMGHOST_R2_ACCOUNT_ID"
            )
        for name in ("s3_bucket", "s3_access_key_id", "s3_secret_access_key"):
            if not getattr(self, name):
                raise ValueError(f"IMGHOST_STORAGE=s3 needs IMGHOST_{name.upper()}")
        return self

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'imghost.db'}"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    @property
    def embedded(self) -> bool:
        """True for the zero-configuration mode: SQLite and local disk."""
        return self.is_sqlite and self.storage == "local"

    @property
    def objects_dir(self) -> Path:
        return self.data_dir / "objects"

    @property
    def origins(self) -> list[str]:
        listed = [o.strip().rstrip("/") for o in self.allowed_origins.split(",")]
        return [o for o in listed if o] or [self.site_url]

    @property
    def s3_endpoint(self) -> str:
        if self.s3_endpoint_url:
            return self.s3_endpoint_url
        return f"https://{self.r2_account_id}.r2.cloudflarestorage.com"

    @property
    def s3_region_name(self) -> str:
        # R2 accepts only "auto"; other stores default to us-east-1.
        return self.s3_region or ("auto" if self.r2_account_id else "us-east-1")

    @functools.cached_property
    def signing_secret(self) -> str:
        """The JWT / URL signing secret; generated once into data_dir when embedded."""
        if self.jwt_secret:
            return self.jwt_secret
        if not self.embedded:
            raise ConfigError(
                "IMGHOST_JWT_SECRET is required when not using the embedded SQLite + "
                "local storage defaults (generate one with: "
                "python -c 'import secrets; print(secrets.token_urlsafe(48))')."
            )
        path = self.data_dir / "jwt_secret"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    field = ".".join(str(part) for part in first.get("loc", ()))
    message = first.get("msg", "is invalid").removeprefix("Value error, ")
    if not field:
        return f"Invalid configuration: {message}."
    return f"Invalid configuration: IMGHOST_{field.upper()} {message}."


def load_settings() -> Settings:
    """Read the environment; exit with one clear sentence when it cannot work."""
    try:
        settings = Settings()
    except ValidationError as error:
        raise ConfigError(_describe(error)) from None
    if len(settings.jwt_secret) and len(settings.jwt_secret) < 32:
        raise ConfigError("Invalid configuration: IMGHOST_JWT_SECRET must be at least 32 characters.")
    return settings


@functools.lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
