"""bulk.remove_many and the zip download: ownership, limits, no orphaned objects."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest
from sqlmodel import Session

from imghost.errors import Invalid, NotFound, TooLarge, Unauthorized
from imghost.models import User
from imghost.services import accounts, bulk, images, sweep, zip_download
from imghost.services.object_keys import derivative_key
from tests.support.actions import log_in, new_user, upload
from tests.support.images import jpeg, png


@pytest.fixture
def runtime(make_runtime):
    return make_runtime(rate_limit_enabled=False, bulk_max_images=5)


def counts(runtime, user) -> tuple[int, int]:
    with Session(runtime.engine) as session:
        owner = session.get(User, user.id)
        return owner.image_count, owner.bytes_stored


def test_remove_many_deletes_every_object_and_row_of_ones_own(runtime):
    user, other = new_user(runtime), new_user(runtime)
    mine = [upload(runtime, user, png(size=(900, 700))).image for _ in range(3)]
    kept = upload(runtime, user).image
    theirs = upload(runtime, other).image
    runtime.thumbnails.wait_until_idle()
    for image in mine:  # the pipeline made derivatives: they must go too
        assert runtime.storage.head(derivative_key(image.r2_key, "thumb")) is not None
    ids = [mine[0].id, theirs.id, mine[1].id, mine[1].id, mine[2].id, 2**31 - 1]
    result = runtime.call(bulk.remove_many, user, ids)
    assert result.deleted == [m.id for m in mine]
    assert result.missing == [theirs.id, 2**31 - 1]
    for image in mine:
        for key in (image.r2_key, derivative_key(image.r2_key, "thumb")):
            assert runtime.storage.head(key) is None
    assert runtime.storage.head(theirs.r2_key) is not None
    assert counts(runtime, user) == (1, kept.size_bytes)
    assert [i.id for i in runtime.call(images.list_page, user).images] == [kept.id]
    assert runtime.metrics.value("imghost_images_deleted") == 3
    # Repeating it is harmless: everything is missing now.
    again = runtime.call(bulk.remove_many, user, [m.id for m in mine])
    assert again.deleted == [] and counts(runtime, user) == (1, kept.size_bytes)


@pytest.mark.parametrize(("ids", "code"), [
    ([], "validation_error"), ([1, 2, 3, 4, 5, 6], "too_many_images"),
    ([0], "validation_error"), ([-3], "validation_error"), ([2**31], "validation_error"),
    ([True], "validation_error"),
])
def test_remove_many_refuses_bad_selections(runtime, ids, code):
    user = new_user(runtime)
    with pytest.raises(Invalid) as refused:
        runtime.call(bulk.remove_many, user, ids)
    assert refused.value.code == code


def test_a_storage_failure_keeps_every_row(runtime, monkeypatch):
    user = new_user(runtime)
    image = upload(runtime, user).image
    runtime.thumbnails.wait_until_idle()

    def broken(keys):  # a fault we cannot cause on demand with a real store mid-request
        raise RuntimeError("storage down")

    monkeypatch.setattr(runtime.storage, "delete_many", broken)
    with pytest.raises(RuntimeError):
        runtime.call(bulk.remove_many, user, [image.id])
    assert counts(runtime, user)[0] == 1
    assert runtime.call(images.list_page, user).images[0].id == image.id


def read_zip(runtime, link: str) -> zipfile.ZipFile:
    token = link.rsplit("/", 1)[1]
    download = runtime.call(zip_download.open_zip, token)
    data = b"".join(download.chunks(runtime.storage))
    return zipfile.ZipFile(io.BytesIO(data))


def test_zip_link_streams_the_selection(runtime, clock):
    user, other = new_user(runtime), new_user(runtime)
    first = upload(runtime, user, png(color=(1, 2, 3)), filename="same.png").image
    second = upload(runtime, user, png(color=(9, 8, 7)), filename="same.png").image
    third = upload(runtime, user, jpeg(), "image/jpeg", filename="photo.jpg").image
    theirs = upload(runtime, other).image
    link = runtime.call(zip_download.grant_zip, user, [third.id, first.id, second.id])
    assert link.count == 3 and link.size_bytes == sum(
        i.size_bytes for i in (first, second, third))
    archive = read_zip(runtime, link.url)
    assert sorted(archive.namelist()) == ["photo.jpg", "same (2).png", "same.png"]
    assert archive.read("photo.jpg") == runtime.storage.read(third.r2_key)
    assert archive.testzip() is None
    # Another user's image anywhere in the selection: nothing is granted.
    with pytest.raises(NotFound):
        runtime.call(zip_download.grant_zip, user, [first.id, theirs.id])
    # Tampered, foreign and expired links are refused alike.
    token = link.url.rsplit("/", 1)[1]
    for bad in (token[:-2] + ("AA" if token[-2:] != "AA" else "BB"), "x.y", "nothing"):
        with pytest.raises(NotFound):
            runtime.call(zip_download.open_zip, bad)
    clock.advance(runtime.settings.zip_link_ttl_seconds + 1)
    with pytest.raises(NotFound):
        runtime.call(zip_download.open_zip, token)


def test_zip_link_is_no_login_token(runtime):
    user = new_user(runtime)
    image = upload(runtime, user).image
    token = runtime.call(zip_download.grant_zip, user, [image.id]).url.rsplit("/", 1)[1]
    with pytest.raises(Unauthorized):
        runtime.call(accounts.caller, token)
    login = log_in(runtime, user)
    with pytest.raises(NotFound):
        runtime.call(zip_download.open_zip, login)


def test_zip_size_limit_is_a_setting(make_runtime):
    runtime = make_runtime(rate_limit_enabled=False)
    user = new_user(runtime)
    image = upload(runtime, user).image
    small = make_runtime(rate_limit_enabled=False, zip_max_bytes=image.size_bytes - 1)
    with pytest.raises(TooLarge) as refused:
        small.call(zip_download.grant_zip, user, [image.id])
    assert refused.value.status == 413
    link = runtime.call(zip_download.grant_zip, user, [image.id])
    assert link.expires_at - runtime.clock() == timedelta(
        seconds=runtime.settings.zip_link_ttl_seconds)


def test_a_thousand_images_go_in_one_call_leaving_no_object(make_runtime):
    import time
    import uuid

    from sqlalchemy import insert

    from imghost.models import Image
    from imghost.services.slugs import new_slug

    runtime = make_runtime(rate_limit_enabled=False)  # the default limit: 1,000
    user = new_user(runtime)
    keys = [f"{user.id}/{uuid.uuid4().hex}.png" for _ in range(runtime.settings.bulk_max_images)]
    for key in keys:  # the original and its thumbnail, as the pipeline leaves them
        runtime.storage.put(key, b"x", "image/png")
        runtime.storage.put(derivative_key(key, "thumb"), b"t", "image/webp")
    with runtime.engine.begin() as connection:
        ids = [connection.execute(insert(Image.__table__).values(
            user_id=user.id, filename="a.png", r2_key=key, content_type="image/png",
            size_bytes=1, public_url="x", thumbnail_key=derivative_key(key, "thumb"),
            slug=new_slug(),
        ).returning(Image.__table__.c.id)).scalar_one() for key in keys]
    began = time.monotonic()
    result = runtime.call(bulk.remove_many, user, ids)
    took = time.monotonic() - began
    assert len(result.deleted) == len(ids)
    assert all(runtime.storage.head(k) is None for k in keys[:50] + keys[-50:])
    assert all(runtime.storage.head(derivative_key(k, "thumb")) is None for k in keys[::97])
    print(f"bulk delete of {len(ids)} images on {runtime.storage.kind}: {took:.2f} s")


@pytest.mark.parametrize("scopes, allowed", [
    (["images:read"], {"search", "zip"}),
    (["images:delete"], {"bulk_delete"}),
    (["images:write"], set()),
])
def test_tokens_reach_the_gallerys_actions_by_scope(runtime, scopes, allowed):
    from imghost.errors import Forbidden
    from imghost.services import tokens
    from imghost.services.images import Search

    user = new_user(runtime)
    image_id = upload(runtime, user).image.id
    token = runtime.call_as(log_in(runtime, user), tokens.create, "t", scopes).token
    attempts = {"search": (images.list_page, 10, None, Search(q="a", sort="largest")),
                "zip": (zip_download.grant_zip, [image_id]),
                "bulk_delete": (bulk.remove_many, [image_id])}
    for name, (action, *args) in attempts.items():
        if name in allowed:
            runtime.call_as(token, action, *args)
            continue
        with pytest.raises(Forbidden) as refused:
            runtime.call_as(token, action, *args)
        assert refused.value.code == "insufficient_scope", name


def test_expired_images_are_gone_from_search_zip_and_bulk_delete(runtime, clock):
    from imghost.services.images import Search

    user = new_user(runtime)
    lasting = upload(runtime, user, png(color=(1, 1, 1)), filename="cat-1.png").image
    brief = upload(runtime, user, png(color=(2, 2, 2)), filename="cat-2.png", expires_in=60).image
    search = Search(q="cat", sort="largest")
    assert {i.id for i in runtime.call(images.list_page, user, 10, None, search).images} == {
        lasting.id, brief.id}
    clock.advance(61)
    page = runtime.call(images.list_page, user, 10, None, search)
    assert [i.id for i in page.images] == [lasting.id] and page.total == 1
    with pytest.raises(NotFound):
        runtime.call(zip_download.grant_zip, user, [lasting.id, brief.id])
    result = runtime.call(bulk.remove_many, user, [lasting.id, brief.id])
    assert result.deleted == [lasting.id] and result.missing == [brief.id]
    runtime.call(images.remove, user, brief.id)  # the sweep's work, leaving nothing behind


def test_set_expiry_of_a_selection_touches_only_ones_own(runtime, clock):
    user, stranger = new_user(runtime), new_user(runtime)
    mine = [upload(runtime, user).image.id for _ in range(3)]
    theirs = upload(runtime, stranger).image.id
    result = runtime.call_as(log_in(runtime, user), bulk.set_expiry, [*mine, theirs], 3600)
    assert result.changed == mine and result.missing == [theirs]
    assert result.expires_at == clock() + timedelta(seconds=3600)
    clock.advance(3601)  # gone at once everywhere: the listing no longer has them
    assert runtime.call(images.list_page, user).images == []
    assert runtime.call(images.list_page, stranger).total == 1
    # The database is shared with later tests: take the expired ones away now.
    swept = runtime.call(sweep.sweep_expired_images).deleted_keys
    assert len(swept) >= len(mine)


def test_clearing_a_selections_expiry_and_refusing_a_bad_one(runtime):
    user = new_user(runtime)
    token = log_in(runtime, user)
    ids = [upload(runtime, user).image.id for _ in range(2)]
    runtime.call_as(token, bulk.set_expiry, ids, 60)
    assert runtime.call_as(token, bulk.set_expiry, ids, None).expires_at is None
    assert all(image.expires_at is None for image in runtime.call(images.list_page, user).images)
    with pytest.raises(Invalid):
        runtime.call_as(token, bulk.set_expiry, ids, 0)
