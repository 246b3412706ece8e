"""The race of issue 13, made to happen every time on PostgreSQL: a delete reads the image
row, the thumbnail job records its keys, and only then does the delete remove the row.
A row lock held by the test holds both at the right moment; the lock queue is FIFO,
so the job's UPDATE goes first."""

from __future__ import annotations

import threading
import time

import psycopg2
import pytest
from sqlalchemy.engine import make_url

from imghost.services import images
from imghost.services.processing import Outcome
from tests.actions.test_thumbnail_jobs import make_pending
from tests.support.actions import new_user, upload
from tests.support.storage_listing import stored_keys
from tests.unit.test_processing_samples import plain_jpeg


def connect(database_url: str):
    url = make_url(database_url)
    return psycopg2.connect(host=url.host, port=url.port or 5432, user=url.username,
                            password=url.password, dbname=url.database)


def wait_until(condition, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


# Only PostgreSQL: the test holds a row lock to order the two transactions.
@pytest.mark.parametrize("backend", ["postgres-s3"], indirect=True)
def test_a_thumbnail_recorded_between_a_deletes_read_and_its_delete_is_not_orphaned(
        backend, make_runtime):
    runtime = make_runtime(rate_limit_enabled=False)
    user = new_user(runtime)
    image = upload(runtime, user, plain_jpeg((4000, 3000)), "image/jpeg", "big.jpg").image
    assert runtime.thumbnails.wait_until_idle()
    make_pending(runtime, image.id)
    stem = image.r2_key.rsplit(".", 1)[0]

    watcher, holder = connect(backend["IMGHOST_DATABASE_URL"]), connect(backend["IMGHOST_DATABASE_URL"])
    watcher.autocommit = True

    def query(sql: str):
        with watcher.cursor() as cursor:
            cursor.execute(sql, {"id": image.id})
            return cursor.fetchone()[0]

    def lock_waiters() -> int:
        return query("SELECT count(*) FROM pg_stat_activity "
                     "WHERE datname = current_database() AND wait_event_type = 'Lock'")

    try:
        outcome: list[Outcome] = []
        job = threading.Thread(target=lambda: outcome.append(runtime.thumbnails.make(image.id)))
        job.start()
        # Once the job has claimed the image (committed), hold its row: the job decodes
        # a 12-megapixel picture meanwhile, then blocks when it records its keys.
        wait_until(lambda: query("SELECT thumbnail_attempts FROM images WHERE id = %(id)s") == 1)
        with holder.cursor() as cursor:
            cursor.execute("SELECT thumbnail_key FROM images WHERE id = %s FOR UPDATE", (image.id,))
            assert cursor.fetchone()[0] is None, "the job recorded before the lock: too fast"
        wait_until(lambda: lock_waiters() == 1)  # the job's UPDATE, its objects written
        assert any(key.startswith(stem + "_thumb") for key in stored_keys(runtime))

        deleter = threading.Thread(target=runtime.call, args=(images.remove, user, image.id))
        deleter.start()  # reads the row (no thumbnail_key yet), then waits to DELETE it
        wait_until(lambda: lock_waiters() == 2)
        holder.commit()
        job.join(30)
        deleter.join(30)
    finally:
        holder.close()
        watcher.close()
    assert outcome == [Outcome.MADE]  # recorded first, as in the run
    assert not [key for key in stored_keys(runtime) if key.startswith(stem)]
