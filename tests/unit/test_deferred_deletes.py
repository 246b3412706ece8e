"""Staging deletes nobody waits for go out in batches, from one thread of their own."""

from __future__ import annotations

import logging
import threading
import time

from imghost.services.storage.deferred_deletes import DeferredDeletes


class Recorder:
    def __init__(self, fail: bool = False):
        self.batches: list[list[str]] = []
        self.threads: set[str] = set()
        self.fail = fail

    def __call__(self, keys: list[str]) -> None:
        self.threads.add(threading.current_thread().name)
        self.batches.append(list(keys))
        if self.fail:
            raise OSError("store away")


def test_keys_added_together_go_in_one_request_off_the_callers_thread():
    sent = Recorder()
    deletes = DeferredDeletes(sent, delay=0.2)
    for n in range(5):
        deletes.add(f"staging/1/{n}")
    assert sent.batches == []  # nobody waits for them
    assert deletes.flush()
    assert sent.batches == [[f"staging/1/{n}" for n in range(5)]]
    assert sent.threads == {"imghost-deletes"}


def test_they_go_by_themselves_after_the_delay():
    sent = Recorder()
    deletes = DeferredDeletes(sent, delay=0.05)
    deletes.add("staging/1/a")
    deadline = time.monotonic() + 5
    while not sent.batches and time.monotonic() < deadline:
        time.sleep(0.01)
    assert sent.batches == [["staging/1/a"]]


def test_a_batch_never_holds_more_than_the_store_takes():
    sent = Recorder()
    deletes = DeferredDeletes(sent, delay=5, max_batch=3)
    for n in range(7):
        deletes.add(str(n))
    assert deletes.flush()
    assert [len(batch) for batch in sent.batches] == [3, 3, 1]
    assert sorted(key for batch in sent.batches for key in batch) == [str(n) for n in range(7)]


def test_a_failed_batch_is_logged_and_the_next_still_goes(caplog):
    sent = Recorder(fail=True)
    deletes = DeferredDeletes(sent, delay=0.01)
    with caplog.at_level(logging.WARNING, logger="imghost.storage"):
        deletes.add("staging/1/a")
        assert deletes.flush()
        deletes.add("staging/1/b")
        assert deletes.flush()
    assert sent.batches == [["staging/1/a"], ["staging/1/b"]]
    assert "lifecycle rule" in caplog.text


def test_flush_with_nothing_waiting_returns_at_once():
    assert DeferredDeletes(Recorder()).flush(timeout=0.1)
