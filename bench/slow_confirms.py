"""GET /api/auth/me while ten 20 MB confirms run: slow checks must not starve other requests.

`python -m bench.slow_confirms` (about a minute): one worker on PostgreSQL + SeaweedFS,
ten 20 MB PNGs granted and PUT first, then wrk measures /api/auth/me (4 connections)
alone and again while ten clients confirm those uploads, back to back, until wrk is
done. Target (issue 12.5): p99 of /api/auth/me under 200 ms during the confirms.
IMGHOST_CONFIRM_WORKERS in the environment is passed on to the server (to compare).
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from PIL import Image

from bench.load import Request, require_wrk, run_wrk
from bench.servers import postgres_s3_env, start_imghost
from tests.support.ports import free_port
from tests.support.postgres import throwaway_database
from tests.support.seaweed import start_seaweed
from tests.support.server import PROJECT_ROOT

CONFIRMERS = 10
ROUNDS = 3  # uploads per confirming client: enough to outlast the wrk run
FILE_BYTES = 20 * 1000 * 1000
DURATION_S = 8
TARGET_P99_MS = 200
PASSWORD = "correct horse battery"


def twenty_megabytes_png(seed: int) -> bytes:
    """Noise does not compress: a ~20 MB PNG the confirm must read, walk and decode whole."""
    side = int((FILE_BYTES / 3) ** 0.5)
    noise = os.urandom(side * side * 3) if seed else bytes(side * side * 3)
    buffer = io.BytesIO()
    Image.frombytes("RGB", (side, side), noise).save(buffer, "PNG", compress_level=1)
    return buffer.getvalue()


def sign_up(client: httpx.Client, name: str) -> str:
    client.post("/api/auth/register", json={"username": name, "email": f"{name}@example.com",
                                            "password": PASSWORD}).raise_for_status()
    reply = client.post("/api/auth/login", json={"username": name, "password": PASSWORD})
    reply.raise_for_status()
    return reply.json()["access_token"]


def prepare(client: httpx.Client, token: str, data: bytes, count: int) -> list[dict]:
    headers = {"Authorization": f"Bearer {token}"}

    def one(_: int) -> dict:
        grant = client.post("/api/images/upload-url", headers=headers, json={
            "filename": "big.png", "content_type": "image/png", "size_bytes": len(data)})
        grant.raise_for_status()
        grant = grant.json()
        httpx.put(grant["upload_url"], content=data, headers=grant["headers"],
                  timeout=120).raise_for_status()
        return {"r2_key": grant["r2_key"], "filename": "big.png", "size_bytes": len(data)}

    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(one, range(count)))


def confirm_all(base_url: str, tokens: list[str], bodies: list[list[dict]],
                stop: threading.Event, seconds: list[float]) -> None:
    """Each client confirms its uploads one after another (retrying a 503) until told to stop."""
    def client_loop(token: str, mine: list[dict]) -> None:
        with httpx.Client(base_url=base_url, timeout=120,
                          headers={"Authorization": f"Bearer {token}"}) as client:
            for body in mine:
                if stop.is_set():
                    return
                began = time.monotonic()
                reply = client.post("/api/images/confirm", json=body)
                while reply.status_code == 503:
                    time.sleep(1)
                    reply = client.post("/api/images/confirm", json=body)
                reply.raise_for_status()
                seconds.append(time.monotonic() - began)

    with ThreadPoolExecutor(len(tokens)) as pool:
        list(pool.map(client_loop, tokens, bodies))


def measure(log=print) -> str:
    require_wrk()
    work = Path(tempfile.mkdtemp(prefix="imghost-bench-confirms-"))
    seaweed = start_seaweed(work / "weed")
    lines: list[str] = []
    try:
        with throwaway_database() as database_url:
            env = postgres_s3_env(database_url, seaweed.env(), work / "data")
            env.update({k: v for k, v in os.environ.items() if k == "IMGHOST_CONFIRM_WORKERS"})
            server = start_imghost(env, work, free_port()).server
            seaweed.allow_origins([server.base_url])
            try:
                with httpx.Client(base_url=server.base_url, timeout=120) as client:
                    reader = sign_up(client, "reader")
                    tokens = [sign_up(client, f"confirmer{i}") for i in range(CONFIRMERS)]
                    data = twenty_megabytes_png(seed=1)
                    log(f"  PUT {CONFIRMERS * ROUNDS} x {len(data) / 1e6:.1f} MB to the store")
                    bodies = [prepare(client, token, data, ROUNDS) for token in tokens]
                me = [Request("GET", "/api/auth/me", reader)]
                alone = run_wrk("me_alone", server.base_url, me, work, connections=4, threads=1,
                                duration_s=DURATION_S)
                stop, seconds = threading.Event(), []
                confirming = threading.Thread(target=confirm_all, args=(
                    server.base_url, tokens, bodies, stop, seconds))
                confirming.start()
                time.sleep(1)  # all ten confirms under way
                during = run_wrk("me_during_confirms", server.base_url, me, work, connections=4,
                                 threads=1, duration_s=DURATION_S)
                stop.set()
                confirming.join()
            finally:
                server.stop()
    finally:
        seaweed.stop()
    met = "yes" if during.p99_ms < TARGET_P99_MS else "NO"
    lines.append(f"GET /api/auth/me, 4 connections, {DURATION_S} s; {CONFIRMERS} clients confirming "
                 f"{len(data) / 1e6:.1f} MB PNGs back to back (1 worker, PostgreSQL + SeaweedFS):")
    for label, result in (("alone", alone), ("during confirms", during)):
        lines.append(f"  {label:<16} p50 {result.p50_ms:7.1f} ms  p99 {result.p99_ms:7.1f} ms  "
                     f"max {result.max_ms:7.1f} ms  {result.rps:7.1f} req/s  "
                     f"non-2xx {result.non_2xx}")
    if seconds:
        ordered = sorted(seconds)
        lines.append(f"  {len(seconds)} confirms finished, each {ordered[0]:.2f}-{ordered[-1]:.2f} s "
                     f"(median {ordered[len(ordered) // 2]:.2f} s)")
    lines.append(f"  target: p99 during confirms < {TARGET_P99_MS} ms: {met}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.path.insert(0, str(PROJECT_ROOT))
    print(measure())
