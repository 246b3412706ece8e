"""images.list_page with a search: each sort pages by keyset, forwards and backwards,
filters narrow the total, and every bad value is a 400 naming its field."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, update

from imghost.errors import Invalid
from imghost.models import Image, User
from imghost.runtime import Runtime
from imghost.services import images
from imghost.services.images import Search
from imghost.services.object_keys import derivative_key
from imghost.services.slugs import new_slug
from tests.support.actions import new_user

DAY0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def add_rows(runtime: Runtime, user: User, specs: list[tuple[str, str, int, int]]) -> list[int]:
    """(filename, content_type, size_bytes, day offset) rows, inserted directly: listing
    never reads the stored objects."""
    ids = []
    with runtime.engine.begin() as connection:
        for filename, content_type, size, day in specs:
            key = f"{user.id}/{uuid.uuid4().hex}.img"
            ids.append(connection.execute(insert(Image.__table__).values(
                user_id=user.id, filename=filename, r2_key=key, content_type=content_type,
                size_bytes=size, public_url=f"http://x/{key}", slug=new_slug(),
                # Made already: no thumbnail job for rows without objects.
                thumbnail_key=derivative_key(key, "thumb"),
                created_at=DAY0 + timedelta(days=day, minutes=len(ids)),
            ).returning(Image.__table__.c.id)).scalar_one())
        connection.execute(update(User.__table__).where(User.__table__.c.id == user.id)
                           .values(image_count=User.__table__.c.image_count + len(specs)))
    return ids


SPECS = [("Cat.png", "image/png", 500, 0), ("dog.jpg", "image/jpeg", 900, 1),
         ("cat_100%.jpg", "image/jpeg", 500, 2), ("bird.webp", "image/webp", 100, 3),
         ("catalog.png", "image/png", 700, 4), ("cow.gif", "image/gif", 500, 5),
         ("cat2.jpg", "image/jpeg", 300, 6)]


@pytest.fixture
def library(runtime):
    user = new_user(runtime)
    ids = add_rows(runtime, user, SPECS)
    add_rows(runtime, new_user(runtime), [("cat-of-another.png", "image/png", 999, 0)])
    return user, dict(zip([s[0] for s in SPECS], ids, strict=True))


def walk(runtime, user, search: Search, limit: int = 2) -> list[str]:
    """Every page forwards, then every page backwards from the last: both must agree."""
    names, pages, cursor = [], [], None
    while True:
        page = runtime.call(images.list_page, user, limit, cursor, search)
        pages.append(page)
        names += [image.filename for image in page.images]
        cursor = page.next_cursor
        if cursor is None:
            break
    backwards, before = [], pages[-1].prev_cursor
    while before:
        page = runtime.call(images.list_page, user, limit, None, search, before)
        backwards = [image.filename for image in page.images] + backwards
        before = page.prev_cursor
    last_page = [image.filename for image in pages[-1].images]
    assert backwards + last_page == names
    return names


def test_each_sort_pages_by_keyset(runtime, library):
    user, _ = library
    by_id = [s[0] for s in SPECS]
    assert walk(runtime, user, Search()) == by_id[::-1]
    assert walk(runtime, user, Search(sort="newest"), limit=3) == by_id[::-1]
    assert walk(runtime, user, Search(sort="oldest")) == by_id
    # Largest first; equal sizes newest (highest id) first.
    assert walk(runtime, user, Search(sort="largest")) == [
        "dog.jpg", "catalog.png", "cow.gif", "cat_100%.jpg", "Cat.png", "cat2.jpg", "bird.webp"]
    assert walk(runtime, user, Search(sort="largest"), limit=1)[:3] == [
        "dog.jpg", "catalog.png", "cow.gif"]


def test_filters_narrow_the_listing_and_its_total(runtime, library):
    user, _ = library

    def names(**search) -> tuple[list[str], int]:
        page = runtime.call(images.list_page, user, 50, None, Search(**search))
        return [image.filename for image in page.images], page.total

    assert names() == ([s[0] for s in SPECS][::-1], 7)
    # Any case; % and _ are text, not wildcards; never another user's image.
    assert names(q="CAT", sort="oldest") == (["Cat.png", "cat_100%.jpg", "catalog.png",
                                              "cat2.jpg"], 4)
    assert names(q="100%") == (["cat_100%.jpg"], 1)
    assert names(q="t_") == (["cat_100%.jpg"], 1)
    assert names(type="image/png", sort="oldest") == (["Cat.png", "catalog.png"], 2)
    assert names(type="jpg", q="cat") == (["cat2.jpg", "cat_100%.jpg"], 2)
    # Dates are whole days, both ends included.
    assert names(created_from="2026-03-02", created_to="2026-03-03", sort="oldest") == (
        ["dog.jpg", "cat_100%.jpg"], 2)
    assert names(created_from="2026-03-06T12:00:00Z", sort="oldest") == (
        ["cow.gif", "cat2.jpg"], 2)
    assert names(created_to="2026-03-01") == (["Cat.png"], 1)
    assert names(q="zebra") == ([], 0)
    assert walk(runtime, user, Search(q="cat", sort="largest"), limit=1) == [
        "catalog.png", "cat_100%.jpg", "Cat.png", "cat2.jpg"]


@pytest.mark.parametrize(("search", "field"), [
    (Search(sort="random"), "sort"),
    (Search(type="image/svg+xml"), "type"),
    (Search(type="text"), "type"),
    (Search(created_from="yesterday"), "from"),
    (Search(created_to="2026-13-01"), "to"),
    (Search(created_from="2026-03-05", created_to="2026-03-01"), "to"),
    (Search(q="x" * 101), "q"),
])
def test_bad_values_are_refused_naming_the_field(runtime, library, search, field):
    user, _ = library
    with pytest.raises(Invalid) as refused:
        runtime.call(images.list_page, user, 10, None, search)
    assert refused.value.errors[0]["field"] == field


def test_search_length_limit_is_a_setting(make_runtime):
    runtime = make_runtime(search_max_chars=5)
    user = new_user(runtime)
    runtime.call(images.list_page, user, 10, None, Search(q="abcde"))
    with pytest.raises(Invalid):
        runtime.call(images.list_page, user, 10, None, Search(q="abcdef"))


def test_a_cursor_belongs_to_its_sort(runtime, library):
    user, _ = library
    newest = runtime.call(images.list_page, user, 2, None, Search())
    largest = runtime.call(images.list_page, user, 2, None, Search(sort="largest"))
    for cursor, sort in [(newest.next_cursor, "largest"), (largest.next_cursor, "newest"),
                         (largest.next_cursor, "oldest"), ("bDE", "largest")]:
        with pytest.raises(Invalid) as refused:
            runtime.call(images.list_page, user, 2, cursor, Search(sort=sort))
        assert refused.value.code == "invalid_cursor"
    with pytest.raises(Invalid):
        runtime.call(images.list_page, user, 2, newest.next_cursor, Search(),
                     newest.next_cursor)


def test_listing_carries_the_pipelines_blurhash(runtime):
    from tests.support.actions import upload

    user = new_user(runtime)
    upload(runtime, user)
    runtime.thumbnails.wait_until_idle()
    (image,) = runtime.call(images.list_page, user).images
    assert image.thumbnail_url and len(image.blurhash) == 28
