"""The per-user storage quota: checked at upload start, charged atomically at finish."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlmodel import Session, select

from imghost.errors import Invalid
from imghost.models import Image, UploadGrant, User
from imghost.services import accounts, quota, uploads
from imghost.services.context import SlowStep
from imghost.services.object_keys import image_keys
from tests.support.actions import new_user, start_and_store, upload
from tests.support.api_client import PASSWORD
from tests.support.images import png


def stored_of(runtime, user) -> tuple[int, int]:
    with Session(runtime.engine) as session:
        row = session.get(User, user.id)
        return row.image_count, row.bytes_stored


def grant_count(runtime, user) -> int:
    with Session(runtime.engine) as session:
        return len(session.exec(select(UploadGrant).where(UploadGrant.user_id == user.id)).all())


def test_start_counts_stored_bytes_and_open_grants(make_runtime, clock):
    runtime = make_runtime(user_quota_bytes=10_000, rate_limit_upload_user="100/minute")
    user = new_user(runtime)
    stored = upload(runtime, user, png((40, 40))).image.size_bytes
    runtime.call(uploads.start, user, "a.png", "image/png", 4_000)
    with pytest.raises(Invalid) as refused:  # stored + 4000 open + 6000 > 10000
        runtime.call(uploads.start, user, "b.png", "image/png", 6_000)
    assert refused.value.code == "quota_exceeded"
    assert grant_count(runtime, user) == 1
    runtime.call(uploads.start, user, "b.png", "image/png", 10_000 - stored - 4_000)
    # An expired grant can take no more bytes, so it no longer counts. (Its expiry is
    # the presigned URL's, from the real clock, which has moved on since the test
    # clock was set: a second of margin was too little on a loaded machine.)
    clock.advance(runtime.settings.upload_url_ttl_seconds + 600)
    runtime.call(uploads.start, user, "c.png", "image/png", 10_000 - stored)


def test_finish_refuses_past_the_quota_and_leaves_nothing(runtime):
    user = new_user(runtime)
    data = png((50, 50))
    grant = start_and_store(runtime, user, data)
    runtime.call(quota.set_quota, user.username, str(len(data) - 1))
    with pytest.raises(Invalid) as refused:
        runtime.call(uploads.finish, user, grant.r2_key, "a.png", len(data), "image/png")
    assert refused.value.code == "quota_exceeded"
    assert runtime.metrics.value("imghost_uploads_refused", reason="quota_exceeded") == 1
    assert runtime.storage.head(grant.r2_key) is None
    assert grant_count(runtime, user) == 0
    assert stored_of(runtime, user) == (0, 0)


def test_parallel_finishes_cannot_overshoot(runtime):
    """Both finishes pass the early check before either records: only the charge's
    one-statement check stands between them and a quota overshoot."""
    user = new_user(runtime)
    first_data, second_data = png((30, 30), (1, 2, 3)), png((30, 30), (4, 5, 6))
    grants = [start_and_store(runtime, user, d) for d in (first_data, second_data)]
    runtime.call(quota.set_quota, user.username, str(len(first_data) + len(second_data) - 1))
    steps = [runtime._steps(uploads.finish, (user, g.r2_key, "a.png", len(d), "image/png"))
             for g, d in zip(grants, (first_data, second_data), strict=True)]
    paused = [s.start() for s in steps]  # both are now between their checks and the record
    assert all(isinstance(p, SlowStep) for p in paused)
    checked = [p.run() for p in paused]
    assert steps[0].send(checked[0]).value.created
    with pytest.raises(Invalid) as refused:
        steps[1].send(checked[1])
    assert refused.value.code == "quota_exceeded"
    assert stored_of(runtime, user) == (1, len(first_data))
    # Its original and the thumbnail confirm made of it (processing/inline.py) are gone.
    for key in image_keys(grants[1].r2_key):
        assert runtime.storage.head(key) is None


def test_concurrent_finishes_in_threads_stay_within_the_quota(make_runtime):
    runtime = make_runtime(rate_limit_upload_user="100/minute")
    user = new_user(runtime)
    blobs = [png((30, 30), (i, i, i)) for i in range(6)]
    grants = [start_and_store(runtime, user, d) for d in blobs]
    limit = sum(len(d) for d in blobs[:3]) + 10
    runtime.call(quota.set_quota, user.username, str(limit))

    def finish(pair):
        grant, data = pair
        try:
            return runtime.call(uploads.finish, user, grant.r2_key, "a.png", len(data))
        except Invalid as error:
            return error.code

    with ThreadPoolExecutor(6) as pool:
        outcomes = list(pool.map(finish, zip(grants, blobs, strict=True)))
    refused = [o for o in outcomes if isinstance(o, str)]
    assert set(refused) == {"quota_exceeded"} and len(refused) >= 3, outcomes
    count, stored = stored_of(runtime, user)
    assert count == 6 - len(refused) and stored <= limit
    with Session(runtime.engine) as session:
        assert len(session.exec(select(Image).where(Image.user_id == user.id)).all()) == count


def test_operator_override_unlimited_and_back_to_default(make_runtime):
    runtime = make_runtime(user_quota_bytes=1_000)
    user = new_user(runtime)
    with pytest.raises(Invalid):
        runtime.call(uploads.start, user, "a.png", "image/png", 5_000)
    assert runtime.call(quota.set_quota, str(user.id), "unlimited").quota_bytes is None
    runtime.call(uploads.start, user, "a.png", "image/png", 5_000)
    assert runtime.call(quota.set_quota, user.email, "20KiB").quota_bytes == 20_480
    with Session(runtime.engine) as session:
        assert runtime.call(accounts.profile, session.get(User, user.id)).quota_bytes == 20_480
    back = runtime.call(quota.set_quota, user.username, "default")
    assert (back.override, back.quota_bytes) == (None, 1_000)


def test_a_zero_setting_means_unlimited(make_runtime):
    runtime = make_runtime(user_quota_bytes=0)
    user = new_user(runtime)
    runtime.call(uploads.start, user, "a.png", "image/png", runtime.settings.max_upload_bytes)
    assert runtime.call(accounts.profile, user).quota_bytes is None


def test_profile_shows_usage_and_quota(make_runtime):
    runtime = make_runtime(user_quota_bytes=123_456_789)
    user = new_user(runtime)
    finished = upload(runtime, user)
    token = runtime.call(accounts.log_in, user.username, PASSWORD, "127.0.0.1").token
    shown = runtime.call_as(token, accounts.profile)
    assert (shown.bytes_stored, shown.quota_bytes) == (finished.image.size_bytes, 123_456_789)


@pytest.mark.parametrize("text, expected", [
    ("1048576", 1_048_576), ("10GiB", 10 * 1024**3), ("500 MB", 500_000_000), ("1.5k", 1536),
    ("unlimited", 0), ("default", None)])
def test_quota_sizes_people_write(text, expected):
    assert quota.parse_quota(text) == expected


@pytest.mark.parametrize("text", ["lots", "-5", "10 parsecs", "GiB", ""])
def test_a_quota_that_is_not_a_size_is_refused(text):
    with pytest.raises(Invalid, match="not a size"):
        quota.parse_quota(text)
