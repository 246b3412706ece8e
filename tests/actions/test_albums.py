"""Albums: ownership (404, never 403), many-to-many, keyset pages, sharing and un-sharing."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from imghost.errors import Invalid, NotFound
from imghost.models import AlbumImage
from imghost.services import albums, images, sharing
from tests.support.actions import new_user, upload


@pytest.fixture
def runtime(make_runtime):
    return make_runtime(rate_limit_enabled=False, album_add_max_images=5)


def test_someone_elses_album_is_not_found_for_every_action(runtime):
    owner, stranger = new_user(runtime), new_user(runtime)
    album = runtime.call(albums.create, owner, "Mine")
    theirs = upload(runtime, stranger).image
    mine = upload(runtime, owner).image
    for action, args in [(albums.get, ()), (albums.change, ("Stolen",)), (albums.remove, ()),
                         (albums.images_page, ()), (albums.add_images, ([theirs.id],)),
                         (albums.remove_image, (mine.id,))]:
        with pytest.raises(NotFound):
            runtime.call(action, stranger, album.id, *args)
    with pytest.raises(NotFound):  # another's image cannot be put into one's album
        runtime.call(albums.add_images, owner, album.id, [mine.id, theirs.id])
    assert runtime.call(albums.get, owner, album.id).image_count == 0  # nothing half-added
    assert runtime.call(albums.list_albums, stranger).albums == []


def test_images_in_several_albums_paged_and_kept_when_an_album_goes(runtime):
    user = new_user(runtime)
    first = runtime.call(albums.create, user, "First", "Line one\nline two")
    second = runtime.call(albums.create, user, "Second")
    ids = [upload(runtime, user).image.id for _ in range(5)]
    runtime.call(albums.add_images, user, first.id, ids)
    runtime.call(albums.add_images, user, first.id, ids[:2])  # again: no duplicates
    runtime.call(albums.add_images, user, second.id, ids[:1])
    page1 = runtime.call(albums.images_page, user, first.id, 2)
    page2 = runtime.call(albums.images_page, user, first.id, 2, page1.next_cursor)
    page3 = runtime.call(albums.images_page, user, first.id, 2, page2.next_cursor)
    walked = [i.id for page in (page1, page2, page3) for i in page.images]
    assert walked == sorted(ids, reverse=True) and page3.next_cursor is None
    assert page1.total == 5
    assert runtime.call(albums.get, user, first.id).description == "Line one\nline two"

    runtime.call(images.remove, user, ids[0])  # deleting an image takes it out of albums
    assert runtime.call(albums.get, user, second.id).image_count == 0
    runtime.call(albums.remove_image, user, first.id, ids[1])
    with pytest.raises(NotFound):
        runtime.call(albums.remove_image, user, first.id, ids[1])
    runtime.call(albums.remove, user, first.id)  # deleting an album keeps its images
    assert len(runtime.call(images.list_page, user).images) == 4
    with Session(runtime.engine) as session:
        assert session.exec(select(AlbumImage).where(AlbumImage.album_id == first.id)).all() == []


def test_sharing_gives_a_link_unsharing_kills_it_and_sharing_again_gives_a_new_one(runtime):
    user = new_user(runtime)
    album = runtime.call(albums.create, user, "Trip")
    image = upload(runtime, user).image
    runtime.call(albums.add_images, user, album.id, [image.id])
    assert album.share_url is None and not album.shared
    shared = runtime.call(albums.change, user, album.id, None, None, albums.UNCHANGED, True)
    slug = shared.share_url.rsplit("/a/", 1)[1]
    assert len(slug) >= 8 and shared.shared
    page = runtime.call(sharing.album_page, slug)
    assert page.title == "Trip" and [i.image.id for i in page.images] == [image.id]
    assert page.cover.image.id == image.id
    again = runtime.call(albums.change, user, album.id, None, None, albums.UNCHANGED, True)
    assert again.share_url == shared.share_url  # already shared: same link

    runtime.call(albums.change, user, album.id, None, None, albums.UNCHANGED, False)
    with pytest.raises(NotFound):
        runtime.call(sharing.album_page, slug)
    renewed = runtime.call(albums.change, user, album.id, None, None, albums.UNCHANGED, True)
    assert renewed.share_url != shared.share_url
    with pytest.raises(NotFound):
        runtime.call(sharing.album_page, slug)


def test_cover_must_be_ones_own_and_falls_back_to_the_newest(runtime):
    user, stranger = new_user(runtime), new_user(runtime)
    album = runtime.call(albums.create, user, "Covers")
    older, newer = upload(runtime, user).image, upload(runtime, user).image
    runtime.call(albums.add_images, user, album.id, [older.id, newer.id])
    theirs = upload(runtime, stranger).image
    with pytest.raises(NotFound):
        runtime.call(albums.change, user, album.id, None, None, theirs.id)
    runtime.thumbnails.wait_until_idle()
    assert runtime.call(albums.get, user, album.id).cover_url == runtime.call(
        images.get, user, newer.id).thumbnail_url
    chosen = runtime.call(albums.change, user, album.id, None, None, older.id)
    assert chosen.cover_image_id == older.id
    assert chosen.cover_url == runtime.call(images.get, user, older.id).thumbnail_url
    runtime.call(images.remove, user, older.id)  # the cover's FK is set to NULL
    fallback = runtime.call(albums.get, user, album.id)
    assert fallback.cover_image_id is None
    assert fallback.cover_url == runtime.call(images.get, user, newer.id).thumbnail_url


@pytest.mark.parametrize("title", ["", "   ", "x" * 201, "\x00\x01"])
def test_bad_titles_are_refused(runtime, title):
    user = new_user(runtime)
    with pytest.raises(Invalid):
        runtime.call(albums.create, user, title)
    assert runtime.call(albums.list_albums, user).albums == []


def test_adding_is_bounded_by_a_setting(runtime):
    user = new_user(runtime)
    album = runtime.call(albums.create, user, "Bounded")
    with pytest.raises(Invalid) as refused:
        runtime.call(albums.add_images, user, album.id, list(range(1, 7)))
    assert refused.value.code == "too_many_images"
    with pytest.raises(Invalid):
        runtime.call(albums.add_images, user, album.id, [])


def test_albums_list_newest_first_by_cursor(runtime):
    user = new_user(runtime)
    made = [runtime.call(albums.create, user, f"A{n}").id for n in range(3)]
    first = runtime.call(albums.list_albums, user, 2)
    second = runtime.call(albums.list_albums, user, 2, first.next_cursor)
    assert [a.id for a in first.albums + second.albums] == made[::-1]
    assert second.next_cursor is None
    with pytest.raises(Invalid):
        runtime.call(albums.list_albums, user, 2, "bogus")


def test_a_share_page_counts_and_covers_as_the_owner_sees_it(make_runtime):
    """The share page takes the count and the newest image from its first page when it
    can: every page of it agrees with albums.get, whatever the cover."""
    runtime = make_runtime(rate_limit_enabled=False, share_page_images=2)
    user = new_user(runtime)
    album = runtime.call(albums.create, user, "Pages")
    ids = [upload(runtime, user).image.id for _ in range(3)]
    outside = upload(runtime, user).image.id  # a cover need not be in the album
    runtime.call(albums.add_images, user, album.id, ids)
    shared = runtime.call(albums.change, user, album.id, None, None, albums.UNCHANGED, True)
    slug = shared.share_url.rsplit("/a/", 1)[1]

    def agree(cover_id: int) -> None:
        first = runtime.call(sharing.album_page, slug)
        second = runtime.call(sharing.album_page, slug, first.next_before)
        count = runtime.call(albums.get, user, album.id).image_count
        for page in (first, second):
            assert (page.cover.image.id, page.image_count) == (cover_id, count)
        assert [i.image.id for i in first.images + second.images] == sorted(ids, reverse=True)

    agree(ids[-1])  # no cover chosen: the newest
    for chosen in (ids[-1], ids[0], outside):  # on the first page, on the second, outside
        runtime.call(albums.change, user, album.id, None, None, chosen)
        agree(chosen)
    runtime.call(images.remove, user, outside)
    agree(ids[-1])
    runtime.call(images.remove, user, ids[0])
    ids = ids[1:]
    first = runtime.call(sharing.album_page, slug)  # now fits on one page
    assert first.next_before is None and first.image_count == 2 == len(first.images)
