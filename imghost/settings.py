"""All configuration, read once from IMGHOST_* environment variables.

A bad value stops the process at start with one sentence naming the variable,
instead of surfacing later as a traceback inside a request.
"""

from __future__ import annotations

import functools
import os
import secrets
import tempfile
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
    # Beyond this many live logins per user, a new login ends the longest-idle one.
    max_sessions_per_user: int = Field(default=50, ge=1, le=10_000)
    # Personal access tokens a user may hold at once.
    max_tokens_per_user: int = Field(default=50, ge=1, le=10_000)

    max_upload_bytes: int = Field(default=25 * MIB, ge=1, le=5 * 1024 * MIB)
    # Original bytes one user may store (confirmed images plus open upload grants);
    # 0 means unlimited. `imghost set-quota` overrides it per user.
    user_quota_bytes: int = Field(default=10 * 1024 * MIB, ge=0)
    # Every request body but a file PUT (bounded by its signed length): JSON and forms
    # are small, and a big one would be read and parsed at ~10x its size in memory.
    max_request_body_bytes: int = Field(default=64 * 1024, ge=1024, le=16 * MIB)
    upload_url_ttl_seconds: int = Field(default=15 * 60, ge=30, le=7 * 24 * 3600)
    # How long browsers and shared caches may keep a stored image (Cache-Control
    # max-age). The bytes under a key never change, but an image can be deleted:
    # this bounds how long a deleted image stays visible in caches.
    file_cache_seconds: int = Field(default=3600, ge=0, le=365 * 24 * 3600)
    registration_open: bool = True
    keep_metadata: bool = False
    # Thumbnail threads per process. At most this many + 1 images are decoded at once
    # (confirm checks included): the memory budget, up to ~400 MB each at 100 megapixels.
    processing_workers: int = Field(default=2, ge=1, le=32)
    # A thumbnail job belongs to the worker that claimed it for this long; one whose
    # process died is taken up again after it (services/processing/jobs.py).
    thumbnail_lease_seconds: int = Field(default=300, ge=5, le=24 * 3600)
    # A failed job is tried again after this, doubling each time (outages heal)...
    thumbnail_retry_seconds: int = Field(default=30, ge=1, le=24 * 3600)
    # ...at most this many times in all; then the image keeps showing its original.
    thumbnail_max_attempts: int = Field(default=5, ge=1, le=100)
    # How often each process looks for due jobs (retries, jobs of dead workers);
    # 0 only at start.
    thumbnail_poll_seconds: int = Field(default=15, ge=0, le=24 * 3600)
    # Confirms reading, stripping and checking their object at once in one process
    # (outside the database threads); each holds up to ~2x its file in memory. The
    # decoders hold the GIL: a second one per process slows every other request more
    # than it speeds confirms (bench/slow_confirms.py); add processes instead.
    confirm_workers: int = Field(default=1, ge=1, le=64)

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
    # Attempts on one account from networks it never logged in from (known ones are
    # held only by the per-address limit: a stranger cannot lock the owner out).
    rate_limit_login_account: str = "10 per 15 minutes"
    # How long a network the account logged in from stays known.
    login_known_network_days: int = Field(default=90, ge=1, le=3650)
    rate_limit_register_ip: str = "10/hour"
    rate_limit_upload_user: str = "120/minute"
    # Confirms read and decode whole files: the costliest request a user can send.
    rate_limit_confirm_user: str = "120/minute"
    # How many reverse proxies in front append to X-Forwarded-For; 0 trusts none,
    # so a client cannot pick its own address to dodge the per-IP limits.
    trusted_proxy_hops: int = Field(default=0, ge=0, le=10)

    # The app deletes objects of grants that expired unconfirmed this often
    # (0 turns the background sweep off; `imghost sweep` still works). The grace
    # period lets a confirm that started just before expiry finish first.
    sweep_interval_seconds: int = Field(default=600, ge=0)
    sweep_grace_seconds: int = Field(default=3600, ge=0)
    # Storage is compared with the database this often: objects under a user's
    # prefix with no image and no grant, older than the grace period, are deleted
    # (services/reconcile.py). It lists the whole bucket; 0 turns it off
    # (`imghost reconcile` still works).
    reconcile_interval_seconds: int = Field(default=6 * 3600, ge=0)
    # Expired images are deleted (objects and row) this often; they are hidden
    # everywhere from the instant they expire, this only bounds how long the bytes stay.
    expiry_sweep_interval_seconds: int = Field(default=30, ge=0, le=3600)
    # The longest lifetime `expires_in` may ask for (default ten years).
    max_expiry_seconds: int = Field(default=10 * 365 * 24 * 3600, ge=60, le=100 * 365 * 24 * 3600)
    # Albums: how many images one request may add, and how many a share page shows at once.
    album_add_max_images: int = Field(default=100, ge=1, le=1000)
    share_page_images: int = Field(default=60, ge=1, le=500)

    # When set, GET /api/metrics needs "Authorization: Bearer <token>". Without it the
    # metrics answer only loopback callers (a scraper on the same host), unless
    # metrics_public opens them to everyone.
    metrics_token: str = ""
    metrics_public: bool = False
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
                     "rate_limit_upload_user", "rate_limit_confirm_user")
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
        return read_or_create_secret(self.data_dir / "jwt_secret")


def read_or_create_secret(path: Path) -> str:
    """The secret in path, created once: never readable by others, never half-written,
    and when several processes start at once they all end up with the winner's."""
    try:
        return _read_secret(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    # mkstemp opens with O_CREAT|O_EXCL and mode 0600 whatever the umask; the
    # secret is whole before link() makes it visible, and link() refuses to
    # replace a file another process put there first.
    fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=".jwt_secret-")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temp_name, path)
        except FileExistsError:
            pass  # another process won the race: use its secret
    finally:
        os.unlink(temp_name)
    return _read_secret(path)


def _read_secret(path: Path) -> str:
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)  # a copy restored with looser permissions
    secret = path.read_text().strip()
    if len(secret) < 32:
        raise ConfigError(f"The secret in {path} is shorter than 32 characters: "
                          "delete the file to generate a new one, or set IMGHOST_JWT_SECRET.")
    return secret


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
