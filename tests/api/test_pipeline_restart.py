"""Never lost: an image left without thumbnails (crash, restart) gets them when a server starts."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import Session

from imghost.models import Image
from tests.api.test_pipeline import wait_for_thumbnail
from tests.support.api_client import new_account, upload_image
from tests.support.server import start_app
from tests.unit.test_processing_samples import plain_jpeg


def test_a_starting_server_picks_up_unfinished_thumbnails(client, backend, configured, tmp_path):
    account = new_account(client)
    image = upload_image(client, account, plain_jpeg((2000, 1000)), "image/jpeg", "a.jpg")
    wait_for_thumbnail(client, account, image["id"])
    # As if the worker had died before finishing: no keys on the row, no objects.
    storage = configured.storage
    with Session(configured.engine) as session:
        row = session.get(Image, image["id"])
        lost = [row.thumbnail_key, row.display_key]
        session.exec(update(Image).where(Image.id == image["id"]).values(
            thumbnail_key=None, display_key=None))
        session.commit()
    for key in lost:
        storage.delete(key)

    server = start_app(backend, tmp_path)
    try:
        ready = wait_for_thumbnail(client, account, image["id"])
    except AssertionError:
        raise AssertionError(f"not picked up at start; server log:\n{server.log()[-3000:]}") from None
    finally:
        server.stop()
    assert ready["thumbnail_url"].endswith(lost[0].rsplit("/", 1)[1])
    assert ready["display_url"] is not None
    for key in lost:
        assert storage.head(key) is not None
