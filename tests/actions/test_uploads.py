"""uploads.start / finish: limits, refusals, the counts and the thumbnails after commit."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from imghost.errors import Invalid, NotFound, TooManyRequests
from imghost.models import Image, UploadGrant
from imghost.services import uploads
from tests.support.actions import new_user, start_and_store, upload
from tests.support.images import HTML_AS_PNG, png


def grants_of(runtime, user) -> list[UploadGrant]:
    with Session(runtime.engine) as session:
        return list(session.exec(select(UploadGrant).where(UploadGrant.user_id == user.id)))


def test_starting_uploads_is_limited_per_user(runtime):
    user, other = new_user(runtime), new_user(runtime)
    for _ in range(4):
        runtime.call(uploads.start, user, "a.png", "image/png", 100)
    with pytest.raises(TooManyRequests):
        runtime.call(uploads.start, user, "a.png", "image/png", 100)
    runtime.call(uploads.start, other, "a.png", "image/png", 100)
    assert len(grants_of(runtime, user)) == 4


@pytest.mark.parametrize("content_type, size, code", [
    ("image/svg+xml", 100, "unsupported_type"), ("text/html", 100, "unsupported_type"),
    ("image/png", 0, "validation_error"), ("image/png", 10**12, "file_too_large")])
def test_a_refused_start_records_no_grant(runtime, content_type, size, code):
    user = new_user(runtime)
    with pytest.raises(Invalid) as refused:
        runtime.call(uploads.start, user, "a.png", content_type, size)
    assert refused.value.code == code
    assert grants_of(runtime, user) == []


def test_finish_counts_one_upload_however_often_it_is_repeated(runtime):
    user = new_user(runtime)
    data = png()
    grant = start_and_store(runtime, user, data)
    first = runtime.call(uploads.finish, user, grant.r2_key, "a.png", len(data), "image/png")
    again = runtime.call(uploads.finish, user, grant.r2_key, "a.png", len(data), "image/png")
    assert first.created and not again.created and first.image.id == again.image.id
    assert runtime.metrics.value("imghost_uploads_confirmed") == 1
    assert grants_of(runtime, user) == []


def test_a_refused_file_is_counted_and_leaves_nothing(runtime):
    user = new_user(runtime)
    grant = start_and_store(runtime, user, HTML_AS_PNG)
    with pytest.raises(Invalid) as refused:
        runtime.call(uploads.finish, user, grant.r2_key, "a.png", len(HTML_AS_PNG))
    assert refused.value.code == "not_an_image"
    assert runtime.metrics.value("imghost_uploads_refused", reason="not_an_image") == 1
    storage = runtime.storage
    assert storage.head(storage.upload_key(grant.r2_key)) is None
    assert storage.head(grant.r2_key) is None
    assert grants_of(runtime, user) == []


def test_someone_elses_upload_is_not_found(runtime):
    owner, stranger = new_user(runtime), new_user(runtime)
    data = png()
    grant = start_and_store(runtime, owner, data)
    with pytest.raises(NotFound):
        runtime.call(uploads.finish, stranger, grant.r2_key, "a.png", len(data))
    # The owner's upload is untouched.
    assert runtime.storage.head(runtime.storage.upload_key(grant.r2_key)) is not None


def test_thumbnails_are_made_once_the_image_is_committed(runtime):
    user = new_user(runtime)
    finished = upload(runtime, user, png((800, 600)))
    assert runtime.thumbnails.wait_until_idle()
    with Session(runtime.engine) as session:
        image = session.get(Image, finished.image.id)
    assert image.thumbnail_key and runtime.storage.head(image.thumbnail_key) is not None


def _thumbnail_key(runtime, image_id: int) -> str | None:
    with Session(runtime.engine) as session:
        return session.get(Image, image_id).thumbnail_key


def test_thumbnails_are_made_from_the_bytes_confirm_stored(runtime, monkeypatch):
    """Confirm hands its checked bytes to the job: the original is not read back."""
    def no_read(key):
        raise AssertionError(f"read {key} back")

    monkeypatch.setattr(runtime.storage, "read", no_read)
    finished = upload(runtime, new_user(runtime), png((800, 600)))
    assert runtime.thumbnails.wait_until_idle()
    assert _thumbnail_key(runtime, finished.image.id)
    assert runtime.thumbnails._handed == {}  # nothing held once the job ran


def test_past_the_handoff_budget_the_job_reads_the_original(runtime, monkeypatch):
    from imghost.services.processing import worker

    monkeypatch.setattr(worker, "HANDOFF_BUDGET_BYTES", 0)
    storage, reads = runtime.storage, []
    real_read = storage.read
    monkeypatch.setattr(storage, "read", lambda key: reads.append(key) or real_read(key))
    finished = upload(runtime, new_user(runtime), png((800, 600)))
    assert runtime.thumbnails.wait_until_idle()
    assert _thumbnail_key(runtime, finished.image.id)
    assert reads == [finished.image.r2_key]


def test_a_small_image_is_listed_with_its_thumbnail_and_needs_no_job(runtime, monkeypatch):
    scheduled = []
    monkeypatch.setattr(runtime.thumbnails, "schedule", lambda *args: scheduled.append(args))
    made_before = runtime.metrics.value("imghost_thumbnails_made")
    finished = upload(runtime, new_user(runtime), png((300, 200)))
    image = finished.image
    assert image.thumbnail_url and image.blurhash and image.display_url is None
    assert scheduled == []
    with Session(runtime.engine) as session:
        row = session.get(Image, image.id)
    assert row.thumbnail_key and runtime.storage.head(row.thumbnail_key) is not None
    assert runtime.metrics.value("imghost_thumbnails_made") == made_before + 1


def test_a_small_image_whose_thumbnail_fails_gets_a_job(runtime, monkeypatch):
    from imghost.services.processing import inline

    def broken(*_args):
        raise OSError("store away")

    monkeypatch.setattr(inline, "make_derivatives", broken)
    finished = upload(runtime, new_user(runtime), png((300, 200)))
    assert finished.image.thumbnail_url is None
    assert runtime.thumbnails.wait_until_idle()
    assert _thumbnail_key(runtime, finished.image.id)
