"""CPU cost per request, in-process: the app's ASGI callable driven without a socket.

The shared machines are too noisy for req/s to pick levers by; process CPU time per
request barely moves with the neighbours' load. Needs `python -m bench.serve` running
(it reuses that database, store and tokens).

python -m bench.probe me [--requests 3000] [--concurrency 32] [--profile]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time

from bench.run import ARTIFACTS

ENDPOINTS = {
    "live": ("GET", "/api/health/live", None, None),
    "health": ("GET", "/api/health", None, None),
    "me": ("GET", "/api/auth/me", "big", None),
    "me_pat": ("GET", "/api/auth/me", "pat", None),
    "page": ("GET", "/i/{slug}", None, None),
    "list1": ("GET", "/api/images/?limit=50", "big", None),
    "list200": ("GET", "/api/images/?limit=50&cursor={cursor}", "big", None),
    "upload": ("POST", "/api/images/upload-url", "uploader",
               b'{"filename":"a.png","content_type":"image/png","size_bytes":1234}'),
}


def load_app(info: dict):
    os.environ.update(info["env"])
    os.environ.update({"REFLEX_ENV_MODE": "prod", "__REFLEX_SKIP_COMPILE": "true"})
    from imghost.asgi import app

    return app()  # the entry point granian serves


async def call(app, method: str, target: str, token: str | None, body: bytes | None) -> int:
    path, _, query = target.partition("?")
    headers = [(b"host", b"localhost")]
    if token:
        headers.append((b"authorization", f"Bearer {token}".encode()))
    if body:
        headers += [(b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode())]
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": method, "scheme": "http", "path": path, "raw_path": path.encode(),
             "query_string": query.encode(), "root_path": "", "headers": headers,
             "server": ("127.0.0.1", 80), "client": ("127.0.0.1", 50000)}
    sent = False
    status = 0

    async def receive():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body or b"", "more_body": False}
        await asyncio.sleep(3600)

    async def send(message):
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


async def drive(app, endpoint, info, requests: int, concurrency: int) -> dict:
    method, target, role, body = endpoint
    target = target.format(cursor=info["cursor"], slug=info.get("slug", ""))
    token = (info["pat"] if role == "pat" else info["tokens"][role]) if role else None
    for _ in range(20):  # warm up pools and caches
        await call(app, method, target, token, body)
    remaining = requests
    statuses: dict[int, int] = {}

    async def worker():
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            status = await call(app, method, target, token, body)
            statuses[status] = statuses.get(status, 0) + 1

    before, wall = os.times(), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    after, wall = os.times(), time.perf_counter() - wall
    user, system = after.user - before.user, after.system - before.system
    return {"cpu_us_per_request": round((user + system) / requests * 1e6),
            "user_us": round(user / requests * 1e6), "system_us": round(system / requests * 1e6),
            "wall_rps": round(requests / wall), "statuses": statuses}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.probe")
    parser.add_argument("endpoints", nargs="*", default=list(ENDPOINTS))
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--profile", action="store_true", help="pyinstrument the run")
    args = parser.parse_args()
    info = json.loads((ARTIFACTS / "serve" / "info.json").read_text())
    app = load_app(info)
    for name in args.endpoints:
        run = drive(app, ENDPOINTS[name], info, args.requests, args.concurrency)
        if args.profile:
            from pyinstrument import Profiler

            with Profiler(async_mode="enabled") as profiler:
                result = asyncio.run(run)
            print(profiler.output_text(unicode=True, color=False, show_all=False))
        else:
            result = asyncio.run(run)
        print(f"{name:<8} {json.dumps(result)}", flush=True)


if __name__ == "__main__":
    main()
