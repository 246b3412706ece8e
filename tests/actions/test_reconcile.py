"""reconcile_storage: orphans go, in pages and batches; images, open grants and keys
imghost does not issue stay (SQLite + disk, PostgreSQL + S3)."""

from __future__ import annotations

import uuid

import pytest

from imghost.services import uploads
from imghost.services.reconcile import reconcile_storage
from tests.support.actions import new_user, start_and_store, upload
from tests.support.images import png
from tests.support.storage_listing import stored_keys
from tests.unit.test_processing_samples import plain_jpeg

GRACE = 3600


@pytest.fixture
def runtime(make_runtime, backend, tmp_path, request):
    """A store of its own: reconcile lists all of it, and the session's bucket also
    holds objects of other tests' databases."""
    if "IMGHOST_S3_BUCKET" in backend:
        bucket = f"reconcile-{uuid.uuid4().hex[:12]}"
        request.getfixturevalue("seaweed").client().create_bucket(Bucket=bucket)
        own_store = {"s3_bucket": bucket}
    else:
        own_store = {"data_dir": tmp_path}  # its own SQLite file and objects directory
    return make_runtime(rate_limit_enabled=False, sweep_grace_seconds=GRACE, **own_store)


def plant_foreign(runtime, key: str) -> None:
    """An object imghost never issues (another tool's file, a future `staging/` prefix)."""
    if runtime.storage.kind == "s3":
        runtime.storage.client.put_object(Bucket=runtime.storage.bucket, Key=key, Body=b"x")
    else:
        path = runtime.settings.objects_dir / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")


def test_reconcile_removes_orphans_and_nothing_else(runtime, clock):
    user = new_user(runtime)
    image = upload(runtime, user, plain_jpeg((2000, 1500)), "image/jpeg", "a.jpg").image
    assert runtime.thumbnails.wait_until_idle()
    grant = start_and_store(runtime, user, png())  # uploaded, not confirmed yet
    data = png()
    orphan_original = f"{user.id}/{uuid.uuid4().hex}.png"
    orphan_thumbnail = f"{user.id}/{uuid.uuid4().hex}_thumb.webp"
    for key in (orphan_original, orphan_thumbnail):
        runtime.storage.put(key, data, "image/png")
    foreign = [f"staging/{user.id}/{uuid.uuid4().hex}.png", f"{user.id}/notes.txt"]
    for key in foreign:
        plant_foreign(runtime, key)
    kept = {image.r2_key, image.r2_key.replace(".jpg", "_thumb.webp"),
            image.r2_key.replace(".jpg", "_display.webp"),
            runtime.storage.upload_key(grant.r2_key), *foreign}
    assert kept | {orphan_original, orphan_thumbnail} <= stored_keys(runtime)

    # Young objects are left alone: an upload or a thumbnail may be on its way.
    assert runtime.call(reconcile_storage).deleted == 0

    clock.advance(GRACE + 5)
    # Two objects a page: every page is read, the database asked a batch at a time.
    result = runtime.call(reconcile_storage, None, 2)
    assert sorted(result.deleted_keys) == sorted([orphan_original, orphan_thumbnail])
    # Everything one level under the root (disk skips the deeper staging/ tree).
    assert result.scanned >= len(kept) + 1
    left = stored_keys(runtime)
    assert kept <= left and not {orphan_original, orphan_thumbnail} & left
    assert runtime.metrics.value("imghost_reconciled_objects") == 2

    # The grant's upload, once confirmed, is an image: still kept.
    runtime.call(uploads.finish, user, grant.r2_key, "b.png", len(data))
    assert runtime.thumbnails.wait_until_idle()
    clock.advance(GRACE + 5)
    assert runtime.call(reconcile_storage).deleted == 0
    assert runtime.storage.read(grant.r2_key) == data
