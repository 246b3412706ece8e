"""finish's claim: one confirm per upload, answered at once, released on every way out;
its slow step runs off the database threads with no pooled connection held."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import anyio
import pytest

from imghost.errors import Invalid, TooManyRequests, Unavailable
from imghost.services import accounts, uploads
from imghost.services.context import SlowStep
from tests.support.actions import new_user, start_and_store
from tests.support.api_client import PASSWORD
from tests.support.images import png


def paused_finish(runtime, user, grant, data):
    """A finish stopped at its slow step (it holds the claim), and the step itself."""
    steps = runtime._steps(uploads.finish, (user, grant.r2_key, "a.png", len(data), "image/png"))
    step = steps.start()
    assert isinstance(step, SlowStep)
    return steps, step


def finish(runtime, user, grant, data):
    return runtime.call(uploads.finish, user, grant.r2_key, "a.png", len(data), "image/png")


def test_a_duplicate_confirm_is_answered_at_once(runtime):
    user, data = new_user(runtime), png()
    grant = start_and_store(runtime, user, data)
    steps, step = paused_finish(runtime, user, grant, data)
    began = time.monotonic()
    with pytest.raises(Unavailable) as busy:
        finish(runtime, user, grant, data)
    assert time.monotonic() - began < 1
    assert (busy.value.code, busy.value.retry_after) == ("confirm_in_progress", 1)
    first = steps.send(step.run()).value
    assert first.created
    assert runtime.claims.held([grant.r2_key]) == set()
    again = finish(runtime, user, grant, data)  # once recorded, a repeat gets the image
    assert (again.created, again.image.id) == (False, first.image.id)


def test_a_failed_slow_step_releases_the_claim(runtime):
    """Storage failing mid-check (a fault thrown in where the runner would throw it)."""
    user, data = new_user(runtime), png()
    grant = start_and_store(runtime, user, data)
    steps, _ = paused_finish(runtime, user, grant, data)
    assert runtime.claims.held([grant.r2_key]) == {grant.r2_key}
    with pytest.raises(OSError):
        steps.throw(OSError("storage went away"))
    assert runtime.claims.held([grant.r2_key]) == set()
    assert finish(runtime, user, grant, data).created  # the retry goes through at once


def test_an_abandoned_confirm_releases_the_claim(runtime):
    """A request cancelled between steps: the runner closes the action."""
    user, data = new_user(runtime), png()
    grant = start_and_store(runtime, user, data)
    steps, _ = paused_finish(runtime, user, grant, data)
    steps.close()
    assert runtime.claims.held([grant.r2_key]) == set()
    assert finish(runtime, user, grant, data).created


def test_nothing_uploaded_yet_keeps_the_grant_and_frees_the_claim(runtime):
    user, data = new_user(runtime), png()
    grant = runtime.call(uploads.start, user, "a.png", "image/png", len(data))
    with pytest.raises(Invalid) as missing:
        finish(runtime, user, grant, data)
    assert missing.value.code == "object_missing"
    # The client PUTs (on S3/R2 to the staging key), then retries.
    runtime.storage.put(runtime.storage.upload_key(grant.r2_key), data, "image/png")
    assert finish(runtime, user, grant, data).created


def test_confirms_are_rate_limited_per_user(make_runtime):
    runtime = make_runtime(rate_limit_confirm_user="2/minute")
    user, other, data = new_user(runtime), new_user(runtime), png()
    grant = start_and_store(runtime, user, data)
    finish(runtime, user, grant, data)
    finish(runtime, user, grant, data)
    with pytest.raises(TooManyRequests):
        finish(runtime, user, grant, data)
    theirs = start_and_store(runtime, other, data)
    assert finish(runtime, other, theirs, data).created


def test_the_slow_step_holds_no_database_thread_or_connection(make_runtime):
    """While confirms check their bytes, the database threads and the pool are free."""
    runtime = make_runtime(confirm_workers=3, rate_limit_upload_user="100/minute")
    user = new_user(runtime)
    token = runtime.call(accounts.log_in, user.username, PASSWORD, "127.0.0.1").token
    # Big enough that reading, stripping and decoding take a while.
    data = [png((2400, 2400), (i, 90, 200)) for i in range(3)]
    grants = [start_and_store(runtime, user, d) for d in data]
    seen: list[tuple[int, int, int]] = []

    async def main():
        async def confirm(grant, blob):
            await runtime.run_as(token, uploads.finish, grant.r2_key, "a.png", len(blob))

        async def watch(stop: anyio.Event):
            while not stop.is_set():
                seen.append((runtime.slow_lane.busy, runtime.database_lane.busy,
                             runtime.engine.pool.checkedout()))
                await anyio.sleep(0.002)

        stop = anyio.Event()
        async with anyio.create_task_group() as outer:
            outer.start_soon(watch, stop)
            async with anyio.create_task_group() as confirms:
                for grant, blob in zip(grants, data, strict=True):
                    confirms.start_soon(confirm, grant, blob)
            stop.set()
        # Meanwhile any other request gets a database thread at once.
        began = time.monotonic()
        await runtime.run_as(token, accounts.profile)
        return time.monotonic() - began

    # In a thread of its own: Playwright's sync API may run an event loop in this one.
    with ThreadPoolExecutor(1) as thread:
        assert thread.submit(anyio.run, main).result() < 1
    assert any(slow >= 1 and db == 0 and pooled == 0 for slow, db, pooled in seen), seen[:50]
    assert max(slow for slow, _, _ in seen) <= 3


@pytest.mark.parametrize("backend", ["postgres-s3"], indirect=True)
def test_claims_are_kept_apart_within_and_between_processes(make_runtime):
    """One claims connection per process: the key set within it, the lock between them."""
    one, other = make_runtime(), make_runtime()  # two runtimes: two processes' connections
    key = "1/" + "a" * 32 + ".png"
    with one.claims.take(key):
        assert one.claims.take(key) is None  # the same session could re-take the lock
        assert other.claims.take(key) is None
        assert other.claims.held([key]) == {key}
    with other.claims.take(key):
        assert one.claims.take(key) is None
    assert one.claims.held([key]) == set()


@pytest.mark.parametrize("backend", ["postgres-s3"], indirect=True)
def test_a_claim_whose_connection_died_is_lost_and_the_key_free(runtime):
    from tests.actions.test_connection_loss import close_pooled_connections

    key, other_key = "1/" + "b" * 32 + ".png", "1/" + "c" * 32 + ".png"
    lost = runtime.claims.take(key)
    assert close_pooled_connections(runtime) >= 1  # the database restarted, say
    with pytest.raises(Unavailable) as interrupted:
        lost.ensure_held()
    assert interrupted.value.code == "confirm_interrupted"
    # Another key is claimed on a new connection at once; the lost one stays refused in
    # this process until its confirm ends (it is still running), then is free.
    with runtime.claims.take(other_key) as fresh:
        assert runtime.claims.take(key) is None
        lost.release()
        again = runtime.claims.take(key)
        assert again is not None
        fresh.ensure_held()
        again.ensure_held()
        again.release()
        assert runtime.claims.held([key, other_key]) == {other_key}
