"""No orphans: sweep removes exactly the objects of grants that expired unconfirmed."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session

from tests.conftest import use_environment
from tests.support.actions import new_user
from tests.support.api_client import grant, new_account, put_bytes
from tests.support.images import png
from tests.support.server import start_app
from tests.unit.test_cli import run_cli


def _expire(runtime, key: str, seconds_ago: int) -> None:
    from imghost.models import UploadGrant

    with Session(runtime.engine) as session:
        changed = session.exec(update(UploadGrant).where(UploadGrant.r2_key == key).values(
            expires_at=datetime.now(UTC) - timedelta(seconds=seconds_ago))).rowcount
        session.commit()
    assert changed == 1, key


def _uploaded(storage, key: str):
    """The object a client PUT for the grant (on S3/R2 at its staging key)."""
    return storage.head(storage.upload_key(key))


def _grant(runtime, user, upload: bool) -> tuple[str, bytes]:
    from imghost.services import uploads

    data = png((30, 30), (user.id % 255, 1, 2))
    granted = runtime.call(uploads.start, user, "a.png", "image/png", len(data))
    if upload:
        runtime.storage.put(runtime.storage.upload_key(granted.r2_key), data, "image/png")
    return granted.r2_key, data


def test_sweep_removes_exactly_expired_unconfirmed_objects(configured):
    from imghost.models import Image, UploadGrant
    from imghost.services import uploads

    runtime, storage = configured, configured.storage
    user = new_user(runtime, "sweep")
    expired_uploaded, _ = _grant(runtime, user, upload=True)
    expired_never_put, _ = _grant(runtime, user, upload=False)
    within_grace, _ = _grant(runtime, user, upload=True)
    still_valid, _ = _grant(runtime, user, upload=True)
    confirmed, data = _grant(runtime, user, upload=True)
    image = runtime.call(uploads.finish, user, confirmed, "c.png", len(data)).image
    assert runtime.thumbnails.wait_until_idle()
    with Session(runtime.engine) as session:
        # A grant row left beside a confirmed image (e.g. restored from a backup)
        # must never cost the image its object.
        session.add(UploadGrant(r2_key=confirmed, user_id=user.id, content_type="image/png",
                                size_bytes=len(data), expires_at=datetime.now(UTC)))
        session.commit()
    for key in (expired_uploaded, expired_never_put, confirmed):
        _expire(runtime, key, 7200)
    _expire(runtime, within_grace, 60)

    reply = run_cli("sweep", "--grace-seconds", "600", "-v")
    assert reply.returncode == 0, reply.stderr

    deleted = {line.split()[-1] for line in reply.stdout.splitlines() if line.startswith("  deleted ")}
    assert deleted == {expired_uploaded, expired_never_put}
    assert _uploaded(storage, expired_uploaded) is None
    for kept in (within_grace, still_valid):
        assert _uploaded(storage, kept) is not None, kept
    assert storage.head(confirmed) is not None
    with Session(runtime.engine) as session:
        rows = {g.r2_key for g in session.exec(
            UploadGrant.__table__.select().where(UploadGrant.user_id == user.id))}
        assert rows == {within_grace, still_valid}
        assert session.get(Image, image.id) is not None
    # The confirmed image still reads back whole.
    assert storage.read(confirmed) == data

    again = run_cli("sweep", "--grace-seconds", "600")
    assert again.returncode == 0 and "Removed 0" in again.stdout


def test_sweep_keeps_rows_when_storage_fails(configured):
    """A delete that fails keeps its grant row, so the next sweep retries it."""
    from imghost.errors import Unavailable
    from imghost.models import UploadGrant
    from imghost.runtime import Runtime
    from imghost.services.sweep import sweep_expired_grants

    runtime, storage = configured, configured.storage
    user = new_user(runtime, "sweepfail")
    key, _ = _grant(runtime, user, upload=True)
    _expire(runtime, key, 10)

    class BrokenStorage:
        kind = storage.kind
        upload_key = staticmethod(storage.upload_key)

        def delete(self, key):
            raise Unavailable("Storage is unreachable.", code="storage_unavailable")

        def close(self):
            pass

    broken = Runtime(runtime.settings, metrics=runtime.metrics, storage=BrokenStorage())
    try:
        result = broken.call(sweep_expired_grants, 0)
    finally:
        broken.close()
    assert key in result.failed_keys and key not in result.deleted_keys
    with Session(runtime.engine) as session:
        assert session.get(UploadGrant, key) is not None
    assert _uploaded(storage, key) is not None
    assert key in runtime.call(sweep_expired_grants, 0).deleted_keys
    assert _uploaded(storage, key) is None


def test_server_sweeps_periodically(backend, tmp_path, monkeypatch):
    """The running app sweeps on its own (a lifespan background task)."""
    env = {**backend, "IMGHOST_SWEEP_INTERVAL_SECONDS": "1", "IMGHOST_SWEEP_GRACE_SECONDS": "0",
           "IMGHOST_RATE_LIMIT_ENABLED": "false"}
    from imghost.runtime import reset_runtime

    server = start_app(env, tmp_path)
    try:
        runtime = use_environment(server.env, monkeypatch)
        import httpx

        with httpx.Client(base_url=server.base_url, timeout=30) as client:
            account = new_account(client)
            data = png()
            upload = grant(client, account, data)
            assert put_bytes(upload, data).status_code in (200, 201)
            kept = grant(client, account, data)
            assert put_bytes(kept, data).status_code in (200, 201)
        storage = runtime.storage
        assert _uploaded(storage, upload["r2_key"]) is not None
        _expire(runtime, upload["r2_key"], 1)
        deadline = time.monotonic() + 20
        while _uploaded(storage, upload["r2_key"]) is not None and time.monotonic() < deadline:
            time.sleep(0.3)
        assert _uploaded(storage, upload["r2_key"]) is None, server.log()[-3000:]
        assert _uploaded(storage, kept["r2_key"]) is not None
        metrics = httpx.get(f"{server.base_url}/api/metrics", timeout=30).text
        swept = next(line for line in metrics.splitlines() if line.startswith("imghost_swept_uploads_total"))
        assert float(swept.split()[-1]) >= 1
    finally:
        server.stop()
        reset_runtime()


def test_sweep_leaves_a_grant_a_confirm_is_working_on(configured):
    from imghost.services.sweep import sweep_expired_grants

    runtime, storage = configured, configured.storage
    user = new_user(runtime, "claim")
    key, _ = _grant(runtime, user, upload=True)
    _expire(runtime, key, 7200)
    with runtime.claims.take(key):
        result = runtime.call(sweep_expired_grants, 0)
    assert key not in result.deleted_keys
    assert _uploaded(storage, key) is not None
    # Once the confirm is over, the sweep takes the expired upload.
    assert key in runtime.call(sweep_expired_grants, 0).deleted_keys
