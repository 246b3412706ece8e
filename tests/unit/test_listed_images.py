"""A listed image (images.listed_images, built without validating again) is exactly the
image public() validates from the same row: equal, the same JSON, the same fields set."""

from __future__ import annotations

from collections import namedtuple
from datetime import UTC, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from pydantic import TypeAdapter

from imghost.services import images
from imghost.services.images import ImagePublic

Row = namedtuple("Row", [column.name for column in images.LISTED_COLUMNS])
STORAGE = SimpleNamespace(settings=SimpleNamespace(site_url="https://img.example"),
                          public_url=lambda key: f"https://cdn.example/b/{key}",
                          public_url_prefix=lambda: "https://cdn.example/b/")
CREATED = datetime(2026, 11, 25, 14, 5, 35, 123456, tzinfo=UTC)
ROWS = [
    Row(1, "cat.png", "1/ab.png", "image/png", 1234, 640, 480, "#aabbcc", "LKO2?U%2Tw=w",
        "1/ab_thumb.webp", "1/ab_display.webp", "aB3dE5gH7j", None, CREATED),
    # Not processed yet: no sizes, renditions or previews; expiring.
    Row(2, "späť <b>.jpg", "1/cd.jpg", "image/jpeg", 2**40, None, None, None, None,
        None, None, "Zz9Yy8Xx7W", CREATED + timedelta(days=1), CREATED.replace(microsecond=0)),
    # SQLite hands times back naive; another offset is turned into UTC.
    Row(2**31 - 1, "a.gif", "9/ef.gif", "image/gif", 1, 1, 1, "#000000", None,
        "9/ef_thumb.webp", None, "0000000000", None, CREATED.replace(tzinfo=None)),
    Row(7, "b.webp", "9/gh.webp", "image/webp", 5, 2, 3, None, "x", None, "9/gh_display.webp",
        "1111111111", CREATED.astimezone(timezone(timedelta(hours=5))),
        CREATED.astimezone(timezone(timedelta(hours=-7)))),
]
PAGE = TypeAdapter(list[ImagePublic])


@pytest.mark.parametrize("row", ROWS, ids=lambda row: str(row.id))
def test_a_listed_image_is_the_image_public_makes(row):
    listed, = images.listed_images([row], STORAGE)
    validated = images.public(row, STORAGE)
    assert listed == validated
    assert listed.model_dump() == validated.model_dump()
    assert PAGE.dump_json([listed]) == PAGE.dump_json([validated])
    assert listed.model_fields_set == validated.model_fields_set
    assert list(vars(listed)) == list(vars(validated))
    listed.filename = "renamed.png"  # still an ordinary model
    assert listed.model_copy().filename == "renamed.png"


def test_listed_images_keep_the_rows_order():
    assert [image.id for image in images.listed_images(ROWS, STORAGE)] == [1, 2, 2**31 - 1, 7]


def test_image_public_has_nothing_model_construct_would_add():
    # _trusted sets what model_construct sets; a post-init hook or extra fields would
    # need more.
    assert ImagePublic.__pydantic_post_init__ is None
    assert ImagePublic.model_config.get("extra") != "allow"
    assert not ImagePublic.__private_attributes__


@pytest.mark.parametrize("public_base", ["", "https://cdn.example/bucket"])
def test_every_public_url_is_the_prefix_and_the_key(tmp_path, public_base):
    from imghost.services.storage.local import LocalStorage
    from imghost.services.storage.s3 import S3Storage
    from imghost.settings import Settings

    settings = Settings(data_dir=tmp_path, jwt_secret="x" * 40, site_url="https://img.example",
                        storage="s3", s3_endpoint_url="http://127.0.0.1:9", s3_bucket="b",
                        s3_access_key_id="k", s3_secret_access_key="s",
                        s3_public_base_url=public_base)
    key = "12/0123456789abcdef0123456789abcdef_thumb.webp"
    s3, local = S3Storage(settings), LocalStorage(settings)
    assert s3.public_url(key) == s3.public_url_prefix() + key == (
        f"{public_base}/{key}" if public_base else f"https://img.example/api/files/{key}")
    assert local.public_url(key) == local.public_url_prefix() + key == (
        f"https://img.example/api/files/{key}")
