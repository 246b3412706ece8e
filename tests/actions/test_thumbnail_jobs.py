"""Thumbnail jobs under faults, in process, on SQLite + disk and PostgreSQL + S3: one
worker per job, retries with backoff, giving up, and deletes racing the worker."""

from __future__ import annotations

import logging
import threading

import pytest
from sqlalchemy import update
from sqlmodel import Session

from imghost.models import Image
from imghost.services import images
from imghost.services.object_keys import image_keys
from imghost.services.processing import Outcome, jobs
from tests.support.actions import new_user, upload
from tests.support.storage_listing import stored_keys, user_prefix
from tests.unit.test_processing_samples import plain_jpeg

RETRY = 10


@pytest.fixture
def runtime(make_runtime):
    return make_runtime(rate_limit_enabled=False, thumbnail_retry_seconds=RETRY,
                        thumbnail_max_attempts=2)


def row(runtime, image_id: int) -> Image | None:
    with Session(runtime.engine) as session:
        return session.get(Image, image_id)


def make_pending(runtime, image_id: int) -> None:
    """As if no worker had ever got to it: no derivatives, no attempts."""
    image = row(runtime, image_id)
    runtime.storage.delete_many(image_keys(image.r2_key)[1:])
    with Session(runtime.engine) as session:
        session.exec(update(Image).where(Image.id == image_id).values(
            thumbnail_key=None, display_key=None, thumbnail_attempts=0,
            thumbnail_lease_until=None))
        session.commit()


def uploaded_then_pending(runtime, user, count: int = 1) -> list[Image]:
    made = [upload(runtime, user, plain_jpeg((900, 600)), "image/jpeg", "a.jpg").image
            for _ in range(count)]
    assert runtime.thumbnails.wait_until_idle()
    for image in made:
        make_pending(runtime, image.id)
    return made


def test_two_runtimes_on_one_database_never_make_the_same_thumbnails(runtime, make_runtime):
    other = make_runtime(rate_limit_enabled=False)
    pending = uploaded_then_pending(runtime, new_user(runtime), count=6)
    made_before = runtime.metrics.value("imghost_thumbnails_made")

    # Both processes look for unfinished work at the same moment (two workers starting).
    pickers = [threading.Thread(target=r.thumbnails.queue_due) for r in (runtime, other)]
    for picker in pickers:
        picker.start()
    for picker in pickers:
        picker.join()
    assert runtime.thumbnails.wait_until_idle() and other.thumbnails.wait_until_idle()

    made = (runtime.metrics.value("imghost_thumbnails_made") - made_before
            + other.metrics.value("imghost_thumbnails_made"))
    # Other tests' unfinished images in the same database may be made too; ours each
    # exactly once (one attempt), by one of the two.
    assert made >= len(pending)
    for image in pending:
        assert row(runtime, image.id).thumbnail_key is not None
        assert row(runtime, image.id).thumbnail_attempts == 1


def test_a_failed_job_waits_out_its_backoff_then_succeeds(runtime, clock, caplog):
    (image,) = uploaded_then_pending(runtime, new_user(runtime))
    original = runtime.storage.read(image.r2_key)
    runtime.storage.delete(image.r2_key)  # the fault: the store cannot give the original

    with caplog.at_level(logging.INFO, logger="imghost.processing"):
        assert runtime.thumbnails.make(image.id) is Outcome.FAILED
    (failure,) = [r for r in caplog.records if r.name == "imghost.processing"]
    assert failure.levelno == logging.WARNING and not failure.exc_info
    assert f"attempt 1 of 2: The stored object is missing.); retrying in {RETRY} s" in failure.message

    runtime.storage.put(image.r2_key, original, "image/jpeg")  # the store is back
    assert image.id not in runtime.call(jobs.due)
    assert runtime.thumbnails.make(image.id) is Outcome.SKIPPED  # still backing off
    clock.advance(RETRY + 1)
    assert runtime.call(jobs.due) == [image.id]
    assert runtime.thumbnails.queue_due() == 1
    assert runtime.thumbnails.wait_until_idle()
    assert row(runtime, image.id).thumbnail_key is not None
    assert runtime.metrics.value("imghost_thumbnail_failures", then="retry") == 1


def test_a_job_is_given_up_after_the_last_attempt_with_its_reason(runtime, clock, caplog):
    (image,) = uploaded_then_pending(runtime, new_user(runtime))
    original = runtime.storage.read(image.r2_key)
    runtime.storage.delete(image.r2_key)
    assert runtime.thumbnails.make(image.id) is Outcome.FAILED
    clock.advance(RETRY + 1)
    with caplog.at_level(logging.INFO, logger="imghost.processing"):
        assert runtime.thumbnails.make(image.id) is Outcome.FAILED
    assert any("given up after 2 attempts (The stored object is missing.)" in r.message
               for r in caplog.records)
    assert runtime.metrics.value("imghost_thumbnail_failures", then="given_up") == 1
    clock.advance(10 * RETRY)
    assert image.id not in runtime.call(jobs.due)  # left alone for good

    # The operator fixes the store and backfills: attempts no longer count.
    runtime.storage.put(image.r2_key, original, "image/jpeg")
    assert runtime.thumbnails.backfill().done == 1
    assert row(runtime, image.id).thumbnail_key is not None


def test_a_job_held_by_a_dead_worker_is_taken_up_when_its_lease_ends(runtime, clock):
    (image,) = uploaded_then_pending(runtime, new_user(runtime))
    # A worker claimed it and died before making anything.
    assert runtime.call(jobs.claim, image.id, 2) is not None
    assert runtime.thumbnails.queue_due() == 0
    clock.advance(runtime.settings.thumbnail_lease_seconds - 1)
    assert runtime.thumbnails.queue_due() == 0
    clock.advance(2)
    assert runtime.thumbnails.queue_due() == 1
    assert runtime.thumbnails.wait_until_idle()
    assert row(runtime, image.id).thumbnail_key is not None


def test_deleting_images_while_their_thumbnails_are_made_leaves_nothing(runtime, caplog):
    """Every image deleted right after its upload, while its job runs: no object left in
    the store, and no warning or traceback (a delete is a normal event)."""
    user = new_user(runtime)
    with caplog.at_level(logging.INFO, logger="imghost.processing"):
        for _ in range(12):
            image = upload(runtime, user, plain_jpeg((1600, 1200)), "image/jpeg", "a.jpg").image
            runtime.call(images.remove, user, image.id)
        assert runtime.thumbnails.wait_until_idle()
    assert stored_keys(runtime, user_prefix(user.id)) == set()
    noisy = [r for r in caplog.records if r.name == "imghost.processing" and r.levelno > logging.INFO]
    assert noisy == [], [r.getMessage() for r in noisy]
    assert all(len(r.getMessage().splitlines()) == 1 and not r.exc_info for r in caplog.records)
