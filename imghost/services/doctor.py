"""`imghost doctor`: check that a configuration can actually serve, before users find out.

Each check answers ok / warn / fail with one sentence; nothing here changes state
except a probe object that is written and deleted again.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

import httpx
from botocore.exceptions import BotoCoreError, ClientError
from sqlalchemy import text

from imghost.errors import ImghostError
from imghost.settings import ConfigError, Settings, load_settings

OK, WARN, FAIL = "ok", "warn", "fail"
# A 1x1 PNG: the probe object is a real image in case a store inspects uploads.
PROBE_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415478"
    "9c63f8ffff3f0005fe02fe0def46b80000000049454e44ae426082")


@dataclass(frozen=True)
class Check:
    name: str
    status: str
    detail: str


def _configuration() -> tuple[Check, Settings | None]:
    try:
        settings = load_settings()
    except ConfigError as error:
        return Check("configuration", FAIL, str(error)), None
    mode = "embedded (SQLite + local disk)" if settings.embedded else (
        f"{'SQLite' if settings.is_sqlite else 'PostgreSQL'} + {settings.storage}")
    return Check("configuration", OK, f"{mode}; site {settings.site_url}"), settings


def check_secret(settings: Settings) -> Check:
    if not settings.jwt_secret:
        if settings.embedded:
            return Check("secret", OK, f"generated once into {settings.data_dir / 'jwt_secret'}")
        return Check("secret", FAIL, "IMGHOST_JWT_SECRET is required outside the embedded mode.")
    secret = settings.jwt_secret
    if len(set(secret)) < 12:
        return Check("secret", FAIL, "IMGHOST_JWT_SECRET repeats too few characters to be random; "
                     "generate one with: python -c 'import secrets; print(secrets.token_urlsafe(48))'")
    if len(secret) < 43:  # 43 url-safe characters = 256 bits
        return Check("secret", WARN, f"IMGHOST_JWT_SECRET has {len(secret)} characters; 43+ is better.")
    return Check("secret", OK, f"{len(secret)} characters")


def check_site(settings: Settings) -> Check:
    host = httpx.URL(settings.site_url).host
    if settings.site_url.startswith("http://") and host not in ("localhost", "127.0.0.1"):
        return Check("site", WARN, f"{settings.site_url} is plain http: tokens travel in clear text.")
    return Check("site", OK, settings.site_url)


def check_database(settings: Settings) -> Check:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from imghost.db import make_engine
    from imghost.migrations import alembic_config

    sqlite_file = settings.data_dir / "imghost.db"
    if settings.is_sqlite and not settings.database_url and not sqlite_file.exists():
        return Check("database", WARN, f"{sqlite_file} does not exist yet: the server creates it "
                     "at first start (or run `imghost migrate`).")
    engine = make_engine(settings.resolved_database_url)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            current = MigrationContext.configure(connection).get_current_revision()
    except Exception as error:  # any driver error: report it, do not crash the report
        return Check("database", FAIL, f"cannot connect: {error.__class__.__name__}: "
                     f"{str(error).strip().splitlines()[0] if str(error).strip() else ''}")
    finally:
        engine.dispose()
    head = ScriptDirectory.from_config(alembic_config(settings.resolved_database_url)).get_current_head()
    if current != head:
        return Check("database", WARN, f"schema at {current or 'nothing'}, code expects {head}: "
                     "run `imghost migrate` (the server also upgrades at start).")
    return Check("database", OK, f"reachable, schema at {head}")


def check_storage(storage) -> Check:
    try:
        storage.check()
    except (ImghostError, OSError) as error:
        return Check("storage", FAIL, f"{storage.kind}: {getattr(error, 'detail', error)}")
    where = storage.root if storage.kind == "local" else f"bucket {storage.bucket}"
    return Check("storage", OK, f"{storage.kind}: {where}")


def check_cors(settings: Settings, storage) -> Check:
    """Browsers PUT straight to the bucket: it must allow the site's origin."""
    if storage.kind != "s3":
        return Check("bucket cors", OK, "not needed: uploads go through the app")
    try:
        rules = storage.client.get_bucket_cors(Bucket=storage.bucket).get("CORSRules", [])
    except Exception as error:  # NoSuchCORSConfiguration, access denied, network
        return Check("bucket cors", FAIL, f"no CORS rule readable ({error.__class__.__name__}); "
                     f"allow PUT from {settings.site_url} with header Content-Type (see docs/production.md).")
    for origin in settings.origins:
        if not any(("*" in r.get("AllowedOrigins", []) or origin in r.get("AllowedOrigins", []))
                   and "PUT" in r.get("AllowedMethods", [])
                   and any(h in ("*", "content-type", "Content-Type") for h in r.get("AllowedHeaders", []))
                   for r in rules):
            return Check("bucket cors", FAIL, f"no rule allows PUT with Content-Type from {origin}.")
    return Check("bucket cors", OK, f"PUT allowed from {', '.join(settings.origins)}")


def _rule_prefix(rule: dict) -> str | None:
    """The key prefix a lifecycle rule applies to; None when it also needs tags or sizes
    (then it does not cover every staging object)."""
    if "Prefix" in rule:  # the older, filter-less form
        return rule["Prefix"]
    found = rule.get("Filter", {})
    if set(found) - {"Prefix"}:
        return None
    return found.get("Prefix", "")


def check_staging_expiry(storage) -> Check:
    """Uploads land under staging/; confirm and the sweep delete them, and a bucket
    lifecycle rule is the backstop for what they miss (a crash, a failed delete)."""
    name = "staging expiry"
    if storage.kind != "s3":
        return Check(name, OK, "not needed: uploads land at their final key")
    staging = storage.upload_key("")
    advice = (f"add a bucket lifecycle rule that expires objects under {staging} after 1 day "
              "(see docs/production.md)")
    try:
        reply = storage.client.get_bucket_lifecycle_configuration(Bucket=storage.bucket)
    except ClientError as error:
        code = str(error.response.get("Error", {}).get("Code", ""))
        if code != "NoSuchLifecycleConfiguration":
            # Some S3-compatible stores have no lifecycle API at all: say so, go on.
            return Check(name, WARN, f"the store did not show its lifecycle rules "
                         f"({code or 'error'}); make sure something expires {staging}: {advice}.")
        reply = {}
    except BotoCoreError as error:
        return Check(name, WARN, f"lifecycle rules unreadable ({error.__class__.__name__}); {advice}.")
    for rule in reply.get("Rules", []):
        prefix = _rule_prefix(rule)
        days = rule.get("Expiration", {}).get("Days")
        # A rule with an empty prefix would expire every image too: it does not count.
        if (rule.get("Status") == "Enabled" and prefix and staging.startswith(prefix)
                and days is not None):
            return Check(name, OK, f"rule {rule.get('ID', '')!r} expires {staging} after {days} day(s)")
    return Check(name, WARN, f"no lifecycle rule expires {staging}: {advice}.")


def check_presign_round_trip(storage) -> Check:
    """Sign an upload, send it the way a browser would, read it back, delete it."""
    # Where a real upload lands (S3/R2: the staging prefix), so CORS and policies are
    # tried on the same keys browsers use.
    key = storage.upload_key(f"0/{uuid.uuid4().hex}.png")
    presigned = storage.presign_put(key, "image/png", len(PROBE_PNG))
    try:
        if storage.kind == "local":
            # The signed URL is served by the app, which may not be running: check
            # the signature the same way the app does and write the file directly.
            query = httpx.URL(presigned.url).params
            storage.verify_put(key, "image/png", len(PROBE_PNG), query["expires"], query["signature"])
            storage.put(key, PROBE_PNG, "image/png")
        else:
            reply = httpx.put(presigned.url, content=PROBE_PNG, headers=presigned.headers, timeout=15)
            if reply.status_code not in (200, 201, 204):
                return Check("presign round trip", FAIL, f"PUT to the presigned URL answered "
                             f"{reply.status_code}: {reply.text[:200]}")
        stored = storage.head(key)
        if stored is None or stored.size != len(PROBE_PNG):
            return Check("presign round trip", FAIL, "the uploaded probe is missing or truncated")
        if storage.read_prefix(key, 8) != PROBE_PNG[:8]:
            return Check("presign round trip", FAIL, "the probe reads back different bytes")
    except (ImghostError, OSError, httpx.HTTPError) as error:
        return Check("presign round trip", FAIL, f"{error.__class__.__name__}: "
                     f"{getattr(error, 'detail', error)}")
    finally:
        try:
            storage.delete(key)
        except (ImghostError, OSError):
            pass
    return Check("presign round trip", OK, "signed PUT, HEAD, ranged GET and DELETE work")


def check_redis(settings: Settings) -> Check | None:
    if not settings.redis_url:
        return None
    import redis

    try:
        redis.Redis.from_url(settings.redis_url, socket_timeout=3).ping()
    except redis.RedisError as error:
        return Check("redis", FAIL, f"{settings.redis_url}: {error}")
    return Check("redis", OK, "rate-limit counters shared through Redis")


def _guarded(name: str, run: Callable[[], Check | None]) -> Check | None:
    try:
        return run()
    except Exception as error:  # a check must report, never abort the others
        return Check(name, FAIL, f"{error.__class__.__name__}: {error}")


def run_checks() -> list[Check]:
    config, settings = _configuration()
    checks: list[Check | None] = [config]
    if settings is None:
        return [config]
    checks += [_guarded("secret", lambda: check_secret(settings)),
               _guarded("site", lambda: check_site(settings)),
               _guarded("database", lambda: check_database(settings))]
    try:
        from imghost.services.storage import make_storage

        storage = make_storage(settings)
    except (ImghostError, OSError, ConfigError) as error:
        checks.append(Check("storage", FAIL, str(error)))
    else:
        storage_check = _guarded("storage", lambda: check_storage(storage))
        checks.append(storage_check)
        if storage_check.status == OK:
            checks += [_guarded("bucket cors", lambda: check_cors(settings, storage)),
                       _guarded("staging expiry", lambda: check_staging_expiry(storage)),
                       _guarded("presign round trip", lambda: check_presign_round_trip(storage))]
    checks.append(_guarded("redis", lambda: check_redis(settings)))
    return [c for c in checks if c is not None]
