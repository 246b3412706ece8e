"""The single-object calls give the same answers through boto3 (S3Storage) and through
signed plain HTTP (SignedS3Storage, what make_storage picks), against SeaweedFS, which
verifies SigV4 signatures as S3 and R2 do."""

from __future__ import annotations

import socket
import uuid

import pytest

from imghost.errors import NotFound, Unavailable
from imghost.services.storage import make_storage
from imghost.services.storage.base import ObjectChanged, SizeDiffers
from imghost.services.storage.s3 import S3Storage
from imghost.services.storage.s3_http import SignedS3Storage
from imghost.settings import Settings
from tests.support.images import png
from tests.support.seaweed import ACCESS_KEY, BUCKET, SECRET_KEY


def settings_for(endpoint: str) -> Settings:
    return Settings(storage="s3", s3_endpoint_url=endpoint, s3_bucket=BUCKET,
                    s3_access_key_id=ACCESS_KEY, s3_secret_access_key=SECRET_KEY,
                    jwt_secret="x" * 40)


@pytest.fixture(params=[S3Storage, SignedS3Storage])
def storage(request, seaweed):
    return request.param(settings_for(seaweed.endpoint))


def new_key() -> str:
    return f"9/{uuid.uuid4().hex}.png"


def test_make_storage_signs_its_own_requests(seaweed):
    assert isinstance(make_storage(settings_for(seaweed.endpoint)), SignedS3Storage)


def test_put_read_delete(storage, seaweed):
    key, data = new_key(), png()
    storage.put(key, data, "image/png")
    assert storage.read(key) == data
    stored = seaweed.client().head_object(Bucket=BUCKET, Key=key)
    assert (stored["ContentType"], stored["ContentDisposition"], stored["CacheControl"]) == (
        "image/png", "inline", "public, max-age=3600")
    storage.delete(key)
    with pytest.raises(NotFound):
        storage.read(key)
    storage.delete(key)  # a missing key is no error


def test_read_upload_checks_the_length_before_the_body(storage):
    key, data = storage.upload_key(new_key()), png()
    assert storage.read_upload(key, len(data)) is None  # nothing uploaded yet
    storage.put(key, data, "image/png")
    with pytest.raises(SizeDiffers) as differs:
        storage.read_upload(key, len(data) - 1)
    assert differs.value.size == len(data)
    upload = storage.read_upload(key, len(data))
    assert upload.data == data and upload.etag and upload.key == key
    storage.delete(key)


def test_publish_copies_exactly_the_bytes_read(storage, seaweed):
    key = new_key()
    staging, data = storage.upload_key(key), png()
    storage.put(staging, data, "image/jpeg")  # whatever the uploader's PUT said
    checked = storage.read_upload(staging, len(data))
    storage.put(staging, data[::-1], "image/png")  # replaced after the check
    with pytest.raises(ObjectChanged):
        storage.publish(checked, key, "image/png", None)
    assert storage.head(key) is None
    checked = storage.read_upload(staging, len(data))
    storage.publish(checked, key, "image/png", None)
    assert storage.read(key) == data[::-1]
    assert seaweed.client().head_object(Bucket=BUCKET, Key=key)["ContentType"] == "image/png"
    storage.publish(checked, key, "image/png", b"rewritten")  # metadata stripped
    assert storage.read(key) == b"rewritten"
    storage.delete_many([key, staging])


def test_a_kept_alive_connection_the_store_closed_is_replaced(seaweed):
    storage = SignedS3Storage(settings_for(seaweed.endpoint))
    key, data = new_key(), png()
    storage.put(key, data, "image/png")
    (idle,) = storage.http._idle
    idle.sock.shutdown(socket.SHUT_RDWR)  # as a store closing an idle connection does
    assert storage.read(key) == data
    storage.delete(key)


def test_an_unreachable_store_is_unavailable(storage):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    unreachable = type(storage)(settings_for(f"http://127.0.0.1:{port}"))
    with pytest.raises(Unavailable) as error:
        unreachable.read(new_key())
    assert error.value.code == "storage_unavailable"
