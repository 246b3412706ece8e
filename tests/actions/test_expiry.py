"""Expiry: expires_in at upload, PATCH-style change, gone at once, swept within a minute."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from imghost.errors import Invalid, NotFound
from imghost.models import Image, UploadGrant, User
from imghost.services import images, sharing, sweep, uploads
from tests.support.actions import new_user, upload
from tests.support.images import jpeg


@pytest.fixture
def runtime(make_runtime):
    return make_runtime(rate_limit_enabled=False, max_expiry_seconds=7 * 86400)


def test_an_expiring_upload_is_there_until_its_time_then_gone_everywhere(runtime, clock):
    user = new_user(runtime)
    image = upload(runtime, user, jpeg((2400, 1200)), "image/jpeg", "soon.jpg",
                   expires_in=3600).image
    kept = upload(runtime, user).image
    runtime.thumbnails.wait_until_idle()
    assert image.expires_at is not None and kept.expires_at is None
    assert abs((image.expires_at - clock.now).total_seconds() - 3600) < 5
    slug = image.page_url.rsplit("/", 1)[1]
    assert runtime.call(sharing.image_page, slug).image.id == image.id
    assert 3500 < runtime.call(sharing.file_lifetime, image.r2_key) <= 3600

    clock.advance(3601)
    listed = runtime.call(images.list_page, user, 50)
    assert [i.id for i in listed.images] == [kept.id]
    with pytest.raises(NotFound):
        runtime.call(sharing.image_page, slug)
    with pytest.raises(NotFound):
        runtime.call(images.get, user, image.id)
    with Session(runtime.engine) as session:
        stored = session.get(Image, image.id)
        keys = [stored.r2_key, stored.thumbnail_key, stored.display_key]
    assert all(keys), keys
    for key in keys:  # derivatives too: their URLs 404 as the original's does
        assert runtime.call(sharing.file_lifetime, key) <= 0

    result = runtime.call(sweep.sweep_expired_images)
    # Other tests' expired images share the database; this one goes, the kept one stays.
    assert image.r2_key in result.deleted_keys and kept.r2_key not in result.deleted_keys
    assert all(runtime.storage.head(key) is None for key in keys)
    assert runtime.storage.head(kept.r2_key) is not None
    with Session(runtime.engine) as session:
        assert session.get(Image, image.id) is None
        owner = session.get(User, user.id)
        assert (owner.image_count, owner.bytes_stored) == (1, kept.size_bytes)
    assert runtime.metrics.value("imghost_images_expired") == 1
    assert runtime.call(sweep.sweep_expired_images).deleted == 0


def test_expiry_is_set_changed_and_cleared(runtime, clock):
    user, stranger = new_user(runtime), new_user(runtime)
    image = upload(runtime, user).image
    changed = runtime.call(images.change, user, image.id, "renamed.png", True, 60)
    assert changed.filename == "renamed.png"
    assert (changed.expires_at - clock.now).total_seconds() == pytest.approx(60, abs=1)
    cleared = runtime.call(images.change, user, image.id, None, True, None)
    assert cleared.expires_at is None and cleared.filename == "renamed.png"
    with pytest.raises(NotFound):
        runtime.call(images.change, stranger, image.id, "mine.png")
    runtime.call(images.change, user, image.id, None, True, 1)
    clock.advance(2)
    with pytest.raises(NotFound):  # expired is gone: it cannot be brought back
        runtime.call(images.change, user, image.id, None, True, None)


@pytest.mark.parametrize("seconds", [0, -5, 7 * 86400 + 1, True])
def test_a_bad_lifetime_is_refused_and_records_nothing(runtime, seconds):
    user = new_user(runtime)
    with pytest.raises(Invalid) as refused:
        runtime.call(uploads.start, user, "a.png", "image/png", 100, seconds)
    assert refused.value.errors[0]["field"] == "expires_in"
    with Session(runtime.engine) as session:
        assert session.exec(select(UploadGrant).where(UploadGrant.user_id == user.id)).all() == []
    image = upload(runtime, user).image
    with pytest.raises(Invalid):
        runtime.call(images.change, user, image.id, "kept.png", True, seconds)
    assert runtime.call(images.get, user, image.id).filename == "picture.png"  # nothing half-done


def test_the_longest_lifetime_is_a_setting(runtime):
    user = new_user(runtime)
    assert runtime.call(uploads.start, user, "a.png", "image/png", 100, 7 * 86400).r2_key
