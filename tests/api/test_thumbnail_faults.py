"""Thumbnails under real faults, through real servers: a storage outage heals without a
restart, two processes share the work without doubling it, deletes leave nothing."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import create_engine, update
from sqlmodel import Session

from imghost.models import Image
from tests.api.test_pipeline import wait_for_thumbnail
from tests.support.api_client import new_account, upload_image
from tests.support.postgres import throwaway_database
from tests.support.seaweed import start_seaweed
from tests.support.server import AppServer, start_app
from tests.support.storage_listing import stored_keys
from tests.unit.test_processing_samples import plain_jpeg

# Quick retries, so a test sees several tries in seconds.
FAST_RETRIES = {"IMGHOST_THUMBNAIL_RETRY_SECONDS": "1", "IMGHOST_THUMBNAIL_POLL_SECONDS": "1",
                "IMGHOST_THUMBNAIL_MAX_ATTEMPTS": "10", "IMGHOST_BCRYPT_ROUNDS": "4",
                "IMGHOST_RATE_LIMIT_ENABLED": "false"}


def make_pending(database_url: str, image_ids: list[int]) -> None:
    """As if their jobs had not run yet (the objects stay: the jobs rewrite the same keys)."""
    engine = create_engine(database_url)
    with Session(engine) as session:
        session.exec(update(Image).where(Image.id.in_(image_ids)).values(
            thumbnail_key=None, display_key=None, thumbnail_attempts=0, thumbnail_lease_until=None))
        session.commit()
    engine.dispose()


def log_entries(server: AppServer, logger: str) -> list[dict]:
    return [entry for entry in (json.loads(line) for line in server.log().splitlines()
                                if line.startswith("{")) if entry.get("logger") == logger]


def wait_for_log(server: AppServer, logger: str, text: str, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [e for e in log_entries(server, logger) if text in e.get("message", "")]
        if found:
            return found[0]
        time.sleep(0.2)
    raise AssertionError(f"no {text!r} in the log:\n{server.log()[-3000:]}")


def thumbnails_made(server: AppServer) -> float:
    metrics = httpx.get(f"{server.base_url}/api/metrics", timeout=30).text
    line = next(line for line in metrics.splitlines()
                if line.startswith("imghost_thumbnails_made_total"))
    return float(line.split()[-1])


@pytest.fixture
def postgres_and_own_seaweed(tmp_path) -> Iterator[tuple[dict, object]]:
    seaweed = start_seaweed(tmp_path / "weed")
    try:
        with throwaway_database() as database_url:
            yield {**seaweed.env(), "IMGHOST_DATABASE_URL": database_url,
                   "IMGHOST_JWT_SECRET": secrets.token_urlsafe(48),
                   "IMGHOST_DATA_DIR": str(tmp_path / "data"), **FAST_RETRIES}, seaweed
    finally:
        seaweed.stop()


def test_thumbnails_failed_in_a_storage_outage_appear_after_it_without_a_restart(
        postgres_and_own_seaweed, tmp_path):
    env, seaweed = postgres_and_own_seaweed
    server = start_app(env, tmp_path)
    try:
        with httpx.Client(base_url=server.base_url, timeout=60) as client:
            account = new_account(client)
            image = upload_image(client, account, plain_jpeg((1200, 900)), "image/jpeg", "a.jpg")
            wait_for_thumbnail(client, account, image["id"])

            seaweed.stop()  # the store goes away (SIGTERM: its port closes at once)
            make_pending(env["IMGHOST_DATABASE_URL"], [image["id"]])
            failure = wait_for_log(server, "imghost.processing", "retrying in")
            assert failure["level"] == "warning" and "exc" not in failure
            assert f"image {image['id']} failed (attempt 1 of 10" in failure["message"]
            listed = client.get("/api/images/", headers=account.headers).json()["images"]
            assert listed[0]["thumbnail_url"] is None  # shows the original meanwhile

            seaweed.start_again()  # the outage ends; the server is not touched
            ready = wait_for_thumbnail(client, account, image["id"], timeout=30)
            assert httpx.get(ready["thumbnail_url"], follow_redirects=True,
                             timeout=30).status_code == 200
        assert server.process.poll() is None
    finally:
        server.stop()


def test_two_processes_on_one_database_make_each_thumbnail_once(seaweed, tmp_path):
    with throwaway_database() as database_url:
        env = {**seaweed.env(), "IMGHOST_DATABASE_URL": database_url,
               "IMGHOST_JWT_SECRET": secrets.token_urlsafe(48),
               "IMGHOST_DATA_DIR": str(tmp_path / "data"), **FAST_RETRIES}
        first = start_app(env, tmp_path)
        second = start_app(env, tmp_path)
        try:
            with httpx.Client(base_url=first.base_url, timeout=60) as client:
                account = new_account(client)
                uploaded = [upload_image(client, account, plain_jpeg((1600, 1200)), "image/jpeg",
                                         "a.jpg") for _ in range(8)]
                for image in uploaded:
                    wait_for_thumbnail(client, account, image["id"])
                before = thumbnails_made(first) + thumbnails_made(second)

                # Both processes find the same unfinished jobs at their next poll.
                make_pending(database_url, [i["id"] for i in uploaded])
                for image in uploaded:
                    wait_for_thumbnail(client, account, image["id"])
            made = thumbnails_made(first) + thumbnails_made(second) - before
            assert made == len(uploaded), (first.log()[-2000:], second.log()[-2000:])
            engine = create_engine(database_url)
            with Session(engine) as session:
                attempts = {row.id: row.thumbnail_attempts for row in session.exec(
                    Image.__table__.select().where(Image.id.in_([i["id"] for i in uploaded])))}
            engine.dispose()
            assert set(attempts.values()) == {1}
        finally:
            first.stop()
            second.stop()


def test_images_deleted_while_thumbnailed_leave_no_object(client, served):
    from imghost.runtime import get_runtime

    account = new_account(client)
    runtime = get_runtime()
    # Other tests' databases may share the bucket (and so user ids): compare with before.
    before = stored_keys(runtime)
    stems = []
    for _ in range(10):
        image = upload_image(client, account, plain_jpeg((1600, 1200)), "image/jpeg", "a.jpg")
        stems.append(image["r2_key"].rsplit(".", 1)[0])
        assert client.delete(f"/api/images/{image['id']}",
                             headers=account.headers).status_code == 204
    time.sleep(3)  # every job has ended (each takes well under a second)
    assert stored_keys(runtime) - before == set()
    assert not any(key.startswith(tuple(stems)) for key in stored_keys(runtime))
    noisy = [e for e in log_entries(served, "imghost.processing")
             if e["level"] not in ("info", "debug")]
    assert noisy == []
