"""The pipeline inside confirm and the worker, on both backends (SQLite + disk, PostgreSQL + S3)."""

from __future__ import annotations

import io
import uuid

import pytest
from PIL import Image as PILImage
from sqlalchemy import update

from imghost.db import session_scope
from imghost.errors import Invalid
from imghost.models import Image, UploadGrant, User
from imghost.services import images, processing
from imghost.services.processing import worker
from imghost.services.storage import get_storage
from imghost.settings import get_settings
from tests.unit.test_processing_samples import (
    GPS_IFD,
    ORIENTATION,
    has_private_data,
    hostile_files,
    jpeg_with_gps,
    plain_jpeg,
)


def new_user() -> int:
    name = f"pipe_{uuid.uuid4().hex[:10]}"
    with session_scope() as session:
        user = User(username=name, email=f"{name}@example.com", password_hash="x")
        session.add(user)
        session.flush()
        return user.id


def upload(user_id: int, data: bytes, content_type: str = "image/jpeg") -> tuple[Image, bool]:
    """Grant, store the bytes as the browser's PUT would, confirm."""
    storage = get_storage()
    with session_scope() as session:
        grant = images.grant_upload(session, storage, user_id, "photo", content_type, len(data))
    storage.put(grant.r2_key, data, content_type)
    with session_scope() as session:
        return images.confirm_upload(session, storage, user_id, grant.r2_key, "photo", len(data))


def row(image_id: int) -> Image:
    with session_scope() as session:
        return session.get(Image, image_id)


def test_confirm_strips_metadata_records_size_and_makes_thumbnails(configured):
    user_id = new_user()
    original = jpeg_with_gps((2400, 1800), orientation=6)
    image, created = upload(user_id, original)
    storage = get_storage()
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
    with session_scope() as session:
        assert session.get(User, user_id).bytes_stored == len(stored)

    assert processing.wait_until_idle()
    done = row(image.id)
    assert done.thumbnail_key.endswith("_thumb.webp") and done.display_key.endswith("_display.webp")
    for key, size in ((done.thumbnail_key, (384, 512)), (done.display_key, (1200, 1600))):
        with PILImage.open(io.BytesIO(storage.read(key))) as derivative:
            assert (derivative.format, derivative.size) == ("WEBP", size)

    with session_scope() as session:
        images.delete_image(session, storage, user_id, image.id)
    for key in (done.r2_key, done.thumbnail_key, done.display_key):
        assert storage.head(key) is None


def test_keep_metadata_stores_the_upload_byte_for_byte(configured, monkeypatch):
    monkeypatch.setenv("IMGHOST_KEEP_METADATA", "true")
    get_settings.cache_clear()
    original = jpeg_with_gps()
    image, _ = upload(new_user(), original)
    assert get_storage().read(image.r2_key) == original
    assert image.size_bytes == len(original)


def test_a_clean_file_is_stored_byte_for_byte(configured):
    original = plain_jpeg()
    image, _ = upload(new_user(), original)
    assert get_storage().read(image.r2_key) == original


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize(("data", "content_type", "code"), **hostile_files())
def test_refused_files_leave_nothing_behind(configured, data, content_type, code):
    user_id = new_user()
    storage = get_storage()
    with session_scope() as session:
        grant = images.grant_upload(session, storage, user_id, "x", content_type, len(data))
    storage.put(grant.r2_key, data, content_type)
    with session_scope() as session, pytest.raises(Invalid) as refused:
        images.confirm_upload(session, storage, user_id, grant.r2_key, "x", len(data))
    assert refused.value.code == code
    assert storage.head(grant.r2_key) is None
    with session_scope() as session:
        assert session.get(UploadGrant, grant.r2_key) is None
        assert session.get(User, user_id).image_count == 0


def test_backfill_makes_thumbnails_that_were_lost(configured):
    image, _ = upload(new_user(), plain_jpeg())
    assert processing.wait_until_idle()
    lost = row(image.id).thumbnail_key
    # As if the process had died before its worker finished.
    get_storage().delete(lost)
    with session_scope() as session:
        session.exec(update(Image).where(Image.id == image.id).values(thumbnail_key=None))
    assert image.id in worker.pending_image_ids()

    result = processing.backfill_thumbnails()
    assert result.done >= 1 and result.failed == 0
    assert row(image.id).thumbnail_key == lost
    assert get_storage().head(lost) is not None
    assert image.id not in worker.pending_image_ids()


def test_resume_pending_queues_unfinished_images(configured):
    image, _ = upload(new_user(), plain_jpeg())
    assert processing.wait_until_idle()
    with session_scope() as session:
        session.exec(update(Image).where(Image.id == image.id).values(thumbnail_key=None))
    assert processing.resume_pending() >= 1
    assert processing.wait_until_idle()
    assert row(image.id).thumbnail_key is not None


def test_thumbnails_of_a_deleted_image_are_not_left_behind(configured):
    user_id = new_user()
    image, _ = upload(user_id, plain_jpeg())
    assert processing.wait_until_idle()
    storage = get_storage()
    thumbnail_key = row(image.id).thumbnail_key
    with session_scope() as session:
        # Deleted while (say) a restart's worker still had it queued.
        session.exec(update(Image).where(Image.id == image.id).values(thumbnail_key=None))
        images.delete_image(session, storage, user_id, image.id)
    storage.delete(thumbnail_key)
    assert worker.make_thumbnails(image.id) is False
    assert storage.head(thumbnail_key) is None
