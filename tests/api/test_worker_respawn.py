"""A worker that dies (an OOM kill, a crash) is replaced, and the server keeps answering.

The server is scripts/serve.sh itself, the command `make run` and the container run,
so the test fails if its granian options lose the respawn. Two workers need
PostgreSQL (SQLite is for one process only); local storage is enough here.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support.postgres import throwaway_database
from tests.support.server import AppServer, start_app

LOAD_THREADS = 3
HELD_REQUESTS = 6
# A machine with two busy cores can take seconds to start a worker (imports, migrations check).
PATIENCE = 60.0


@dataclass
class Outcome:
    started: float
    path: str
    status: int | None  # None: no HTTP answer at all
    detail: str


@pytest.fixture
def two_workers(tmp_path: Path) -> Iterator[AppServer]:
    # serve.sh always mounts the pages; an empty build is enough for the API.
    (tmp_path / "web" / "build" / "client").mkdir(parents=True)
    env = {"IMGHOST_DATA_DIR": str(tmp_path / "data"), "IMGHOST_BCRYPT_ROUNDS": "4",
           "IMGHOST_JWT_SECRET": secrets.token_urlsafe(48), "IMGHOST_RATE_LIMIT_ENABLED": "false",
           "REFLEX_WEB_WORKDIR": str(tmp_path / "web")}
    with throwaway_database() as database_url:
        env["IMGHOST_DATABASE_URL"] = database_url
        server = start_app(env, tmp_path, workers=2, serve_script=True)
        try:
            yield server
        finally:
            server.stop()


def children(pid: int) -> set[int]:
    """The granian workers: every process whose parent is the master."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:  # gone meanwhile
                continue
            # "pid (comm) state ppid ...": comm may hold spaces, so split after the ")".
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def log_entries(server: AppServer) -> list[dict]:
    entries = []
    for line in server.log().splitlines():
        if line.startswith("{"):
            try:
                entries.append(json.loads(line))
            except ValueError:  # the last line may be half written
                pass
    return entries


def ready_pids(server: AppServer) -> set[int]:
    return {e["pid"] for e in log_entries(server)
            if e.get("message", "").startswith("imghost ready")}


def answered_by(server: AppServer) -> set[int]:
    return {e["pid"] for e in log_entries(server) if e.get("logger") == "imghost.access"}


def wait_for(condition, what: str, server: AppServer, timeout: float = PATIENCE):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"the granian master exited while waiting for {what}:\n{server.log()[-4000:]}")
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"{what} not seen in {timeout:.0f} s:\n{server.log()[-4000:]}")


def steady_load(server: AppServer, token: str, stop: threading.Event, outcomes: list[Outcome]):
    """Liveness and an authenticated read, each on a new connection (a kept-alive one
    would stay on one worker)."""
    requests = [("/api/health/live", {}), ("/api/auth/me", {"Authorization": f"Bearer {token}"})]
    turn = 0
    while not stop.is_set():
        path, headers = requests[turn % 2]
        turn += 1
        started = time.monotonic()
        try:
            reply = httpx.get(f"{server.base_url}{path}", headers=headers, timeout=30)
            outcomes.append(Outcome(started, path, reply.status_code, reply.text[:200]))
        except httpx.TransportError as error:
            outcomes.append(Outcome(started, path, None, repr(error)))


def hold_requests(server: AppServer, count: int) -> list[socket.socket]:
    """Requests in flight at the kill: their headers are not finished, so a worker
    that accepted one is still waiting for the rest."""
    held = []
    for _ in range(count):
        connection = socket.create_connection(("127.0.0.1", server.port), timeout=30)
        connection.sendall(f"GET /api/health/live HTTP/1.1\r\nHost: localhost:{server.port}\r\n"
                           .encode())
        held.append(connection)
    return held


def finish(connection: socket.socket) -> str:
    """The status line of the answer, or "dropped" if the connection closed without one."""
    with connection:
        try:
            connection.sendall(b"Connection: close\r\n\r\n")
            answer = connection.recv(4096)
        except ConnectionError:  # reset by the kernel when the worker died (a hang fails)
            return "dropped"
    return answer.split(b"\r\n", 1)[0].decode() if answer else "dropped"


def is_503_json(outcome: Outcome) -> bool:
    if outcome.status != 503:
        return False
    try:
        return "code" in json.loads(outcome.detail)
    except ValueError:
        return False


def test_a_killed_worker_is_respawned_while_the_other_keeps_serving(two_workers):
    server = two_workers
    master = server.process.pid

    def two_ready_workers() -> set[int] | None:
        pids = children(master)
        return pids if len(pids) == 2 and pids <= ready_pids(server) else None

    workers = wait_for(two_ready_workers, "two ready workers", server)

    name = f"respawn_{secrets.token_hex(5)}"
    password = "correct horse battery"
    assert httpx.post(f"{server.base_url}/api/auth/register", timeout=30, json={
        "username": name, "email": f"{name}@example.com", "password": password}).status_code == 201
    token = httpx.post(f"{server.base_url}/api/auth/login", timeout=30, json={
        "username": name, "password": password}).json()["access_token"]

    stop, outcomes = threading.Event(), []
    load = [threading.Thread(target=steady_load, args=(server, token, stop, outcomes), daemon=True)
            for _ in range(LOAD_THREADS)]
    for thread in load:
        thread.start()
    try:
        # Kill a worker in the middle of a steady load that both workers serve.
        wait_for(lambda: sum(o.status == 200 for o in outcomes) >= 40
                 and workers <= answered_by(server), "load on both workers", server)
        held = hold_requests(server, HELD_REQUESTS)
        victim = min(workers)
        os.kill(victim, signal.SIGKILL)
        killed = time.monotonic()

        new_pid = wait_for(lambda: (children(master) - workers) or None, "a respawned worker",
                           server).pop()
        respawned = time.monotonic()
        # The victim is gone by now (granian noticed its exit): its requests were lost,
        # the other worker's complete.
        held_ends = [finish(connection) for connection in held]
        wait_for(lambda: new_pid in answered_by(server), "the new worker answering", server)
        serving = time.monotonic()
        # Some more load after the new worker's first answer, across both workers.
        wait_for(lambda: sum(o.started > serving and o.status == 200 for o in outcomes) >= 40,
                 "load after the respawn", server)
    finally:
        stop.set()
        for thread in load:
            thread.join(timeout=60)

    assert server.process.poll() is None, "the granian master exited"
    assert children(master) == (workers - {victim}) | {new_pid}
    assert "Respawning worker" in server.log()

    # Only what the dead worker held when it died may fail, and only by the connection
    # dropping (or a 503 with its JSON body): never a 500, and nothing sent once granian
    # had seen it die.
    failed = [o for o in outcomes if o.status != 200]
    bad = [o for o in failed if not (o.status is None or is_503_json(o)) or o.started > respawned]
    assert not bad, bad
    assert set(held_ends) <= {"HTTP/1.1 200 OK", "dropped"}, held_ends
    # The other worker alone answered while the new one was starting.
    assert any(respawned < o.started < serving and o.status == 200 for o in outcomes)
    after = [o for o in outcomes if o.started > killed]
    print(f"\nrespawned worker seen {respawned - killed:.2f} s after the kill, answering after "
          f"{serving - killed:.2f} s; load: {len(outcomes)} requests ({len(after)} after the kill), "
          f"{len(failed)} failed {[(o.path, o.status, o.detail[:80]) for o in failed]}; "
          f"held in flight: {held_ends.count('dropped')} of {len(held)} dropped")
