"""local_puts.open_put / settle_put: the local backend takes one PUT per open grant."""

from __future__ import annotations

import pytest
from httpx import URL
from sqlalchemy import delete
from sqlmodel import Session

from imghost.errors import Forbidden, NotFound
from imghost.models import UploadGrant
from imghost.services import local_puts, uploads
from tests.support.actions import new_user
from tests.support.images import png


def signed(granted) -> tuple[str, str]:
    query = URL(granted.upload_url).params
    return query["expires"], query["signature"]


def open_put(runtime, granted, data):
    return runtime.call(local_puts.open_put, granted.r2_key, "image/png", len(data), *signed(granted))


@pytest.mark.parametrize("backend", ["embedded"], indirect=True)  # local backend only
def test_a_put_stored_after_its_grant_closed_is_not_kept(runtime):
    """Two PUTs raced; the first was refused at confirm (object and grant deleted) before
    the second finished: its object has no grant and no image, nobody could find it again."""
    data = png()
    granted = runtime.call(uploads.start, new_user(runtime), "a.png", "image/png", len(data))
    writer = open_put(runtime, granted, data)
    with Session(runtime.engine) as session:
        session.exec(delete(UploadGrant).where(UploadGrant.r2_key == granted.r2_key))
        session.commit()
    writer.write(data)
    writer.commit()
    with pytest.raises(Forbidden) as refused:
        runtime.call(local_puts.settle_put, granted.r2_key)
    assert refused.value.code == "upload_closed"
    assert runtime.storage.head(granted.r2_key) is None


@pytest.mark.parametrize("backend", ["embedded"], indirect=True)  # local backend only
def test_the_first_whole_body_wins_a_race_of_two_puts(runtime):
    data, other = png(), png((64, 48), (1, 2, 3))
    granted = runtime.call(uploads.start, new_user(runtime), "a.png", "image/png", len(data))
    first, second = open_put(runtime, granted, data), open_put(runtime, granted, data)
    first.write(data)
    first.commit()
    second.write(other[:len(data)].ljust(len(data), b"\0"))
    with pytest.raises(Forbidden) as refused:
        second.commit()
    assert refused.value.code == "already_uploaded"
    assert runtime.storage.read(granted.r2_key) == data
    runtime.call(local_puts.settle_put, granted.r2_key)  # the grant is open: kept
    assert runtime.storage.read(granted.r2_key) == data


@pytest.mark.parametrize("backend", ["postgres-s3"], indirect=True)  # S3/R2 only
def test_s3_puts_never_go_through_the_app(runtime):
    with pytest.raises(NotFound):
        runtime.call(local_puts.open_put, "1/" + "a" * 32 + ".png", "image/png", 10, "1", "x")


@pytest.mark.parametrize("backend", ["embedded"], indirect=True)  # local backend only
def test_a_put_is_refused_while_a_confirm_holds_the_upload(runtime):
    data = png()
    granted = runtime.call(uploads.start, new_user(runtime), "a.png", "image/png", len(data))
    claim = runtime.claims.take(granted.r2_key)
    with claim, pytest.raises(Forbidden) as refused:
        open_put(runtime, granted, data)
    assert refused.value.code == "upload_closed"
    assert runtime.storage.head(granted.r2_key) is None
