"""No orphans: sweep removes exactly the objects of grants that expired unconfirmed."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from tests.conftest import unique_name, use_environment
from tests.support.api_client import grant, new_account, put_bytes
from tests.support.images import png
from tests.support.server import start_app
from tests.unit.test_cli import run_cli

PASSWORD = "correct horse battery"


def _expire(key: str, seconds_ago: int) -> None:
    from imghost.db import session_scope
    from imghost.models import UploadGrant

    with session_scope() as session:
        session.exec(update(UploadGrant).where(UploadGrant.r2_key == key).values(
            expires_at=datetime.now(UTC) - timedelta(seconds=seconds_ago)))


def _grant(session, storage, user_id: int, upload: bool) -> tuple[str, bytes]:
    from imghost.services import images

    data = png((30, 30), (user_id % 255, 1, 2))
    granted = images.grant_upload(session, storage, user_id, "a.png", "image/png", len(data))
    if upload:
        storage.put(granted.r2_key, data, "image/png")
    return granted.r2_key, data


def test_sweep_removes_exactly_expired_unconfirmed_objects(configured):
    from imghost.db import session_scope
    from imghost.models import Image, UploadGrant
    from imghost.services import auth, images
    from imghost.services.storage import get_storage

    storage = get_storage()
    with session_scope() as session:
        name = unique_name("sweep")
        user = auth.register(session, name, f"{name}@example.com", PASSWORD)
        expired_uploaded, _ = _grant(session, storage, user.id, upload=True)
        expired_never_put, _ = _grant(session, storage, user.id, upload=False)
        within_grace, _ = _grant(session, storage, user.id, upload=True)
        still_valid, _ = _grant(session, storage, user.id, upload=True)
        confirmed, data = _grant(session, storage, user.id, upload=True)
        image, _ = images.confirm_upload(session, storage, user.id, confirmed, "c.png", len(data))
        # A grant row left beside a confirmed image (e.g. restored from a backup)
        # must never cost the image its object.
        session.add(UploadGrant(r2_key=confirmed, user_id=user.id, content_type="image/png",
                                size_bytes=len(data), expires_at=datetime.now(UTC)))
        session.commit()
    for key in (expired_uploaded, expired_never_put, confirmed):
        _expire(key, 7200)
    _expire(within_grace, 60)

    reply = run_cli("sweep", "--grace-seconds", "600", "-v")
    assert reply.returncode == 0, reply.stderr

    deleted = {line.split()[-1] for line in reply.stdout.splitlines() if line.startswith("  deleted ")}
    assert deleted == {expired_uploaded, expired_never_put}
    assert storage.head(expired_uploaded) is None
    for kept in (within_grace, still_valid, confirmed):
        assert storage.head(kept) is not None, kept
    with session_scope() as session:
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
    from imghost.db import session_scope
    from imghost.errors import Unavailable
    from imghost.models import UploadGrant
    from imghost.services import auth
    from imghost.services.storage import get_storage
    from imghost.services.sweep import sweep_expired_grants

    storage = get_storage()
    with session_scope() as session:
        name = unique_name("sweepfail")
        user = auth.register(session, name, f"{name}@example.com", PASSWORD)
        key, _ = _grant(session, storage, user.id, upload=True)
    _expire(key, 10)

    class BrokenStorage:
        kind = storage.kind

        def delete(self, key):
            raise Unavailable("Storage is unreachable.", code="storage_unavailable")

    with session_scope() as session:
        result = sweep_expired_grants(session, BrokenStorage(), 0)
        assert key in result.failed_keys and key not in result.deleted_keys
        assert session.get(UploadGrant, key) is not None
    with session_scope() as session:
        assert key in sweep_expired_grants(session, storage, 0).deleted_keys
    assert storage.head(key) is None


def test_server_sweeps_periodically(backend, tmp_path, monkeypatch):
    """The running app sweeps on its own (a lifespan background task)."""
    env = {**backend, "IMGHOST_SWEEP_INTERVAL_SECONDS": "1", "IMGHOST_SWEEP_GRACE_SECONDS": "0",
           "IMGHOST_RATE_LIMIT_ENABLED": "false"}
    server = start_app(env, tmp_path)
    try:
        use_environment(server.env, monkeypatch)
        import httpx

        from imghost.services.storage import get_storage
        with httpx.Client(base_url=server.base_url, timeout=30) as client:
            account = new_account(client)
            data = png()
            upload = grant(client, account, data)
            assert put_bytes(upload, data).status_code in (200, 201)
            kept = grant(client, account, data)
            assert put_bytes(kept, data).status_code in (200, 201)
        storage = get_storage()
        assert storage.head(upload["r2_key"]) is not None
        _expire(upload["r2_key"], 1)
        deadline = time.monotonic() + 20
        while storage.head(upload["r2_key"]) is not None and time.monotonic() < deadline:
            time.sleep(0.3)
        assert storage.head(upload["r2_key"]) is None, server.log()[-3000:]
        assert storage.head(kept["r2_key"]) is not None
        metrics = httpx.get(f"{server.base_url}/api/metrics", timeout=30).text
        swept = next(line for line in metrics.splitlines() if line.startswith("imghost_swept_uploads_total"))
        assert float(swept.split()[-1]) >= 1
    finally:
        server.stop()


def test_sweep_leaves_a_grant_a_confirm_is_working_on(configured):
    from imghost.db import session_scope
    from imghost.services import auth, upload_claims
    from imghost.services.storage import get_storage
    from imghost.services.sweep import sweep_expired_grants

    storage = get_storage()
    with session_scope() as session:
        name = unique_name("claim")
        user = auth.register(session, name, f"{name}@example.com", PASSWORD)
        key, _ = _grant(session, storage, user.id, upload=True)
        session.commit()
        assert upload_claims.claim(session, key)
    _expire(key, 7200)
    with session_scope() as session:
        result = sweep_expired_grants(session, storage, grace_seconds=0)
    assert key not in result.deleted_keys
    assert storage.head(key) is not None
