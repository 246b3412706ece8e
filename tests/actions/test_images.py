"""images.list_page / remove: ownership, paging, counts."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from imghost.errors import Invalid, NotFound
from imghost.models import User
from imghost.services import images
from tests.support.actions import new_user, upload


@pytest.fixture
def runtime(make_runtime):
    return make_runtime(rate_limit_enabled=False)  # many uploads; the limits have their tests


def test_pages_walk_newest_first_and_show_only_ones_own(runtime):
    user, other = new_user(runtime), new_user(runtime)
    ids = [upload(runtime, user).image.id for _ in range(5)]
    upload(runtime, other)
    first = runtime.call(images.list_page, user, 3)
    second = runtime.call(images.list_page, user, 3, first.next_cursor)
    assert [i.id for i in first.images + second.images] == sorted(ids, reverse=True)
    assert second.next_cursor is None and first.total == 5
    with pytest.raises(Invalid):
        runtime.call(images.list_page, user, 3, "not-a-cursor")


def test_remove_deletes_objects_row_and_counts(runtime):
    user, stranger = new_user(runtime), new_user(runtime)
    image = upload(runtime, user).image
    runtime.thumbnails.wait_until_idle()
    with pytest.raises(NotFound):
        runtime.call(images.remove, stranger, image.id)
    runtime.call(images.remove, user, image.id)
    assert runtime.storage.head(image.r2_key) is None
    with pytest.raises(NotFound):
        runtime.call(images.remove, user, image.id)
    with Session(runtime.engine) as session:
        owner = session.get(User, user.id)
        assert (owner.image_count, owner.bytes_stored) == (0, 0)
    assert runtime.metrics.value("imghost_images_deleted") == 1
