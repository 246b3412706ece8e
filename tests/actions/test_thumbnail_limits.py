"""The thumbnail worker never decodes what confirm would refuse, whatever is stored.

Confirmed bytes are final now, but images stored before that (or under older limits)
may hold anything: the worker checks them itself before decoding.
"""

from __future__ import annotations

import logging

import pytest
from PIL import Image as PILImage
from sqlalchemy import update
from sqlmodel import Session

from imghost.models import Image
from imghost.services.processing import Outcome
from tests.support.actions import new_user, upload
from tests.unit.test_processing_samples import encode, png_declaring


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize("stored", [
    encode(PILImage.new("RGB", (400, 300), (0, 0, 255)), "TIFF"),
    png_declaring(20_001, 1),
], ids=["tiff-behind-a-png", "too-wide"])
def test_worker_refuses_a_stored_file_confirm_would_refuse(runtime, caplog, stored):
    user = new_user(runtime)
    image = upload(runtime, user).image
    assert runtime.thumbnails.wait_until_idle()
    # An image whose object holds something else (stored before the bytes were final).
    runtime.storage.put(image.r2_key, stored, "image/png")
    with Session(runtime.engine) as session:
        session.exec(update(Image).where(Image.id == image.id).values(
            thumbnail_key=None, display_key=None))
        session.commit()
    for key in (f"{image.r2_key.rsplit('.', 1)[0]}_thumb.webp",
                f"{image.r2_key.rsplit('.', 1)[0]}_display.webp"):
        runtime.storage.delete(key)

    with caplog.at_level(logging.WARNING, logger="imghost.processing"):
        assert runtime.thumbnails.make(image.id) is Outcome.FAILED
    assert "refused" in caplog.text
    with Session(runtime.engine) as session:
        refused = session.get(Image, image.id)
        assert refused.thumbnail_key is None
        # Given up at once: never decoded again by the retry loop.
        assert refused.thumbnail_attempts == runtime.settings.thumbnail_max_attempts
    assert runtime.storage.head(f"{image.r2_key.rsplit('.', 1)[0]}_thumb.webp") is None
