"""Stored bytes are final after confirm: an upload URL can never replace a checked image.

A presigned PUT URL stays usable until it expires. On the local backend the app
accepts one PUT per grant; on S3/R2 the URL only names a staging key, and confirm
writes the image's key itself.
"""

from __future__ import annotations

import time

import httpx
import pytest
from sqlmodel import Session

from imghost.runtime import get_runtime
from tests.support.api_client import confirm, grant, new_account, put_bytes
from tests.support.images import HTML_AS_PNG, png


def same_length_other_picture(data: bytes) -> bytes:
    """Unchecked bytes exactly as long (the signed URL accepts them): a script page."""
    return (HTML_AS_PNG + b" " * len(data))[:len(data)]


def served_bytes(image: dict) -> bytes:
    reply = httpx.get(image["public_url"], follow_redirects=True, timeout=30)
    assert reply.status_code == 200, reply.text
    return reply.content


def test_the_old_upload_url_cannot_replace_a_confirmed_image(client, served):
    account, data = new_account(client), png()
    upload = grant(client, account, data)
    assert put_bytes(upload, data).status_code == 200
    image = confirm(client, account, upload, data).json()
    assert image["r2_key"] == upload["r2_key"]

    replaced = put_bytes(upload, same_length_other_picture(data))
    storage = get_runtime().storage
    if storage.kind == "local":
        assert replaced.status_code == 403, replaced.text
        assert replaced.json()["code"] == "upload_closed"
    else:
        # The URL only ever named the staging key: whatever it stores there is not the image.
        assert f"/staging/{upload['r2_key']}?" in upload["upload_url"]
    assert storage.read(image["r2_key"]) == data
    assert served_bytes(image) == data
    # Confirming again is still the same image, with the same bytes.
    again = confirm(client, account, upload, data)
    assert again.status_code == 200 and again.json()["id"] == image["id"]
    assert storage.read(image["r2_key"]) == data


@pytest.mark.parametrize("backend", ["embedded"], indirect=True)  # local backend only
def test_local_backend_accepts_one_put_per_grant(client, served):
    account, data = new_account(client), png()
    upload = grant(client, account, data)
    assert put_bytes(upload, data).status_code == 200
    second = put_bytes(upload, same_length_other_picture(data))
    assert second.status_code == 403 and second.json()["code"] == "already_uploaded"
    assert get_runtime().storage.read(upload["r2_key"]) == data


@pytest.mark.parametrize("backend", ["postgres-s3"], indirect=True)  # S3/R2 only
def test_s3_confirm_copies_to_the_final_key_with_our_headers(client, served, seaweed):
    storage = get_runtime().storage
    account, data = new_account(client), png()
    upload = grant(client, account, data)
    # The browser's PUT could say anything about presentation: the copy replaces it.
    assert put_bytes(upload, data, **{"Content-Type": "image/png"}).status_code == 200
    staging = storage.upload_key(upload["r2_key"])
    assert storage.head(staging) is not None and storage.head(upload["r2_key"]) is None
    image = confirm(client, account, upload, data).json()
    final = seaweed.client().head_object(Bucket=storage.bucket, Key=image["r2_key"])
    assert final["ContentType"] == "image/png"
    assert final["ContentDisposition"] == "inline"
    assert final["CacheControl"] == "public, max-age=3600"
    # Dropped once the image is recorded: soon after, in a batch (deferred_deletes.py).
    deadline = time.monotonic() + 10
    while storage.head(staging) is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert storage.head(staging) is None
    assert storage.read(image["r2_key"]) == data


def test_s3_publish_refuses_a_staging_object_replaced_after_it_was_read(s3_configured):
    """Confirm copies only the bytes it checked: the copy is pinned to their ETag."""
    from imghost.services.storage.base import ObjectChanged

    storage = s3_configured.storage
    key = "9/" + "d" * 32 + ".png"
    staging, data = storage.upload_key(key), png()
    storage.put(staging, data, "image/png")
    checked = storage.read_upload(staging, len(data))
    storage.put(staging, same_length_other_picture(data), "image/png")  # the old URL, again
    with pytest.raises(ObjectChanged):
        storage.publish(checked, key, "image/png", None)
    assert storage.head(key) is None
    storage.publish(storage.read_upload(staging, len(data)), key, "image/png", None)
    assert storage.read(key) == same_length_other_picture(data)
    for leftover in (staging, key):
        storage.delete(leftover)


@pytest.mark.parametrize("backend", ["postgres-s3"], indirect=True)  # S3/R2 only
def test_a_replaced_staging_object_is_refused_at_confirm(client, served, monkeypatch):
    """The uploader races its own confirm: nothing unchecked is published, nothing is left."""
    from imghost.services import uploads

    storage = get_runtime().storage
    account, data = new_account(client), png()
    upload = grant(client, account, data)
    assert put_bytes(upload, data).status_code == 200

    # Run the confirm in this process, replacing the staging object right after the
    # check read it: the moment an attacker would aim for.
    real_prepare = uploads.processing.prepare_original

    def prepare_then_replace(*args):
        prepared = real_prepare(*args)
        assert put_bytes(upload, same_length_other_picture(data)).status_code == 200
        return prepared

    monkeypatch.setattr(uploads.processing, "prepare_original", prepare_then_replace)
    from imghost.errors import Invalid
    from imghost.models import User

    runtime = get_runtime()
    with Session(runtime.engine) as session:
        user = session.get(User, account.user_id)
    with pytest.raises(Invalid) as refused:
        runtime.call(uploads.finish, user, upload["r2_key"], "a.png", len(data))
    assert refused.value.code == "upload_changed"
    assert storage.head(upload["r2_key"]) is None
    assert storage.head(storage.upload_key(upload["r2_key"])) is None
