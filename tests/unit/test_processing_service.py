"""The pipeline inside confirm and the worker, on both backends (SQLite + disk, PostgreSQL + S3)."""

from __future__ import annotations

import io

import pytest
from PIL import Image as PILImage
from sqlalchemy import update
from sqlmodel import Session

from imghost.errors import Invalid
from imghost.models import Image, UploadGrant, User
from imghost.runtime import Runtime, get_runtime, reset_runtime
from imghost.services import images, uploads
from imghost.services.images import ImagePublic
from imghost.services.processing import Outcome, jobs
from tests.support import actions
from tests.unit.test_processing_samples import (
    GPS_IFD,
    ORIENTATION,
    has_private_data,
    hostile_files,
    jpeg_with_gps,
    plain_jpeg,
)


def new_user(runtime: Runtime) -> User:
    return actions.new_user(runtime, "pipe")


def upload(runtime: Runtime, user: User, data: bytes,
           content_type: str = "image/jpeg") -> tuple[ImagePublic, bool]:
    """Grant, store the bytes as the browser's PUT would, confirm."""
    finished = actions.upload(runtime, user, data, content_type, "photo")
    return finished.image, finished.created


def row(runtime: Runtime, image_id: int) -> Image:
    with Session(runtime.engine) as session:
        return session.get(Image, image_id)


def test_confirm_strips_metadata_records_size_and_makes_thumbnails(configured):
    runtime = configured
    user = new_user(runtime)
    original = jpeg_with_gps((2400, 1800), orientation=6)
    image, created = upload(runtime, user, original)
    storage = runtime.storage
    stored = storage.read(image.r2_key)

    assert created
    assert (image.width, image.height) == (1800, 2400)
    assert image.placeholder.startswith("#")
    assert image.size_bytes == len(stored) == storage.head(image.r2_key).size < len(original)
    assert not has_private_data(stored)
    with PILImage.open(io.BytesIO(stored)) as decoded:
        assert dict(decoded.getexif()) == {ORIENTATION: 6}
        assert not decoded.getexif().get_ifd(GPS_IFD)
        stored_pixels = decoded.tobytes()
    with PILImage.open(io.BytesIO(original)) as decoded:
        assert decoded.tobytes() == stored_pixels
    with Session(runtime.engine) as session:
        assert session.get(User, user.id).bytes_stored == len(stored)

    assert runtime.thumbnails.wait_until_idle()
    done = row(runtime, image.id)
    assert done.thumbnail_key.endswith("_thumb.webp") and done.display_key.endswith("_display.webp")
    for key, size in ((done.thumbnail_key, (384, 512)), (done.display_key, (1200, 1600))):
        with PILImage.open(io.BytesIO(storage.read(key))) as derivative:
            assert (derivative.format, derivative.size) == ("WEBP", size)

    runtime.call(images.remove, user, image.id)
    for key in (done.r2_key, done.thumbnail_key, done.display_key):
        assert storage.head(key) is None


def test_keep_metadata_stores_the_upload_byte_for_byte(configured, monkeypatch):
    monkeypatch.setenv("IMGHOST_KEEP_METADATA", "true")
    reset_runtime()
    runtime = get_runtime()
    assert runtime.settings.keep_metadata
    original = jpeg_with_gps()
    image, _ = upload(runtime, new_user(runtime), original)
    assert runtime.storage.read(image.r2_key) == original
    assert image.size_bytes == len(original)


def test_a_clean_file_is_stored_byte_for_byte(configured):
    original = plain_jpeg()
    image, _ = upload(configured, new_user(configured), original)
    assert configured.storage.read(image.r2_key) == original


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize(("data", "content_type", "code"), **hostile_files())
def test_refused_files_leave_nothing_behind(configured, data, content_type, code):
    runtime = configured
    user = new_user(runtime)
    storage = runtime.storage
    grant = actions.start_and_store(runtime, user, data, content_type, "x")
    with pytest.raises(Invalid) as refused:
        runtime.call(uploads.finish, user, grant.r2_key, "x", len(data))
    assert refused.value.code == code
    assert storage.head(grant.r2_key) is None
    assert storage.head(storage.upload_key(grant.r2_key)) is None
    with Session(runtime.engine) as session:
        assert session.get(UploadGrant, grant.r2_key) is None
        assert session.get(User, user.id).image_count == 0


def test_backfill_makes_thumbnails_that_were_lost(configured):
    runtime = configured
    image, _ = upload(runtime, new_user(runtime), plain_jpeg())
    assert runtime.thumbnails.wait_until_idle()
    lost = row(runtime, image.id).thumbnail_key
    # As if the process had died before its worker finished.
    runtime.storage.delete(lost)
    with Session(runtime.engine) as session:
        session.exec(update(Image).where(Image.id == image.id).values(thumbnail_key=None))
        session.commit()
    assert image.id in runtime.call(jobs.pending)

    result = runtime.thumbnails.backfill()
    # Other tests' unfinished images share the database; this one must be among the done.
    assert result.done >= 1
    assert row(runtime, image.id).thumbnail_key == lost
    assert runtime.storage.head(lost) is not None
    assert image.id not in runtime.call(jobs.pending)


def test_resume_pending_queues_unfinished_images(configured):
    runtime = configured
    image, _ = upload(runtime, new_user(runtime), plain_jpeg())
    assert runtime.thumbnails.wait_until_idle()
    with Session(runtime.engine) as session:
        session.exec(update(Image).where(Image.id == image.id).values(thumbnail_key=None))
        session.commit()
    assert runtime.thumbnails.queue_due() >= 1
    assert runtime.thumbnails.wait_until_idle()
    assert row(runtime, image.id).thumbnail_key is not None


def test_thumbnails_of_a_deleted_image_are_not_left_behind(configured):
    runtime = configured
    user = new_user(runtime)
    image, _ = upload(runtime, user, plain_jpeg())
    assert runtime.thumbnails.wait_until_idle()
    storage = runtime.storage
    thumbnail_key = row(runtime, image.id).thumbnail_key
    # Deleted while (say) a restart's worker still had it queued.
    with Session(runtime.engine) as session:
        session.exec(update(Image).where(Image.id == image.id).values(thumbnail_key=None))
        session.commit()
    runtime.call(images.remove, user, image.id)
    storage.delete(thumbnail_key)
    assert runtime.thumbnails.make(image.id) is Outcome.SKIPPED
    assert storage.head(thumbnail_key) is None
