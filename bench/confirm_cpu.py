"""CPU per POST /api/images/confirm of a small PNG, against `python -m bench.serve pg1`.

python -m bench.confirm_cpu http [-n 300]      the server's process tree, under wrk
python -m bench.confirm_cpu inproc [-n 300]    this process, through the ASGI app

Each run first grants and really PUTs n fresh objects (as the browser does: upload-url,
then a PUT to the presigned URL; not measured), then confirms each once.

http: "during" is what `make bench` reports (CPU while wrk runs ÷ confirms: it counts
the thumbnails made within the run, not what is left after it); "until idle" adds the
rest of the background work the confirms caused, so it counts every thumbnail. The
bare FastAPI route is measured right after: issue 17's target is a multiple of it
(5,000 µs where it cost 87 µs, i.e. 57 x).
inproc: "request" runs with the thumbnail queue off (the request path alone), then
"thumbnail" makes those images' thumbnails one by one (the work confirm schedules).

The thumbnail belongs in the figure: the server spends it because of each confirm,
and leaving it out would reward moving work off the request without saving any.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import time

import httpx

from bench.load import Request, run_wrk
from bench.process import cpu_seconds, wait_until_idle
from bench.run import ARTIFACTS
from bench.scenarios import SMALL_PNG, prepare_uploads


def _body(key: str) -> str:
    return json.dumps({"r2_key": key, "filename": "bench.png", "size_bytes": len(SMALL_PNG)},
                      separators=(",", ":"))


def bare_route_cpu(seconds: float) -> float:
    """The yardstick in the same minute: bench.bare_app's one route, same granian command."""
    from bench.servers import BareApp

    out = ARTIFACTS / "confirm_cpu"
    out.mkdir(parents=True, exist_ok=True)
    bare = BareApp(out)
    try:
        wait_until_idle(bare.process.pid)
        return run_wrk("bare", bare.base_url, [Request("GET", "/api/health/live")], out,
                       duration_s=seconds, pid=bare.process.pid).server_cpu_us
    finally:
        bare.stop()


def over_http(info: dict, n: int, seconds: float) -> None:
    token, pid = info["tokens"]["uploader"], info["pid"]
    with httpx.Client(base_url=info["url"], timeout=60) as client:
        keys = prepare_uploads(client, token, n)
    wait_until_idle(pid)
    before = cpu_seconds(pid)
    result = run_wrk("confirm", info["url"], [Request("POST", "/api/images/confirm", token,
                                                      _body(key)) for key in keys],
                     ARTIFACTS / "confirm_cpu", once=True, duration_s=seconds, pid=pid)
    wait_until_idle(pid, busy_below=0.05)
    total = (cpu_seconds(pid) - before) / max(1, result.requests) * 1e6
    bare = bare_route_cpu(4)
    print(f"http   during {result.server_cpu_us:7.0f} µs/confirm   until idle {total:7.0f} "
          f"µs/confirm   {result.requests} confirms {result.rps:5.0f}/s non-2xx "
          f"{result.non_2xx}   bare route {bare:4.0f} µs (during = "
          f"{result.server_cpu_us / bare:3.0f} x bare; issue 17's target: 57 x)", flush=True)


async def in_process(info: dict, n: int, concurrency: int) -> None:
    os.environ.update(info["env"])
    from bench.inproc import call
    from imghost.asgi import app as imghost_app
    from imghost.runtime import get_runtime
    from imghost.services import uploads
    from imghost.services.accounts import caller

    app = imghost_app()
    for handler in logging.getLogger("imghost").handlers:
        handler.setStream(open(os.devnull, "w"))  # noqa: SIM115
    runtime = get_runtime()
    token = info["tokens"]["uploader"]
    user = runtime.call(lambda ctx: caller(ctx, token, "images:write"))
    storage = runtime.storage

    def granted(count: int) -> list[str]:
        keys = []
        for _ in range(count):
            grant = runtime.call(uploads.start, user, "bench.png", "image/png", len(SMALL_PNG))
            storage.put(storage.upload_key(grant.r2_key), SMALL_PNG, "image/png")
            keys.append(grant.r2_key)
        return keys

    async def confirm_all(keys: list[str]) -> list[int]:
        queue, statuses = list(keys), []

        async def client() -> None:
            while queue:
                body = _body(queue.pop()).encode()
                statuses.append(await call(app, "POST", "/api/images/confirm", token, body, b""))

        await asyncio.gather(*(client() for _ in range(concurrency)))
        return statuses

    thumbnails, runtime.thumbnails = runtime.thumbnails, None  # the request path alone
    await confirm_all(granted(20))  # warm-up: imports, pools, first decodes
    keys = granted(n)
    began = time.process_time()
    statuses = await confirm_all(keys)
    request_us = (time.process_time() - began) / n * 1e6
    bad = sum(1 for status in statuses if status >= 300)
    ids = runtime.call(lambda ctx: [row[0] for row in ctx.session.connection().exec_driver_sql(
        "SELECT id FROM images WHERE r2_key = ANY(%(keys)s)", {"keys": keys})])
    began = time.process_time()
    for image_id in ids:
        thumbnails.make(image_id)
    thumbnail_us = (time.process_time() - began) / max(1, len(ids)) * 1e6
    print(f"inproc request {request_us:7.0f} µs/confirm   thumbnail {thumbnail_us:7.0f} µs/image"
          f"   {n} confirms, {bad} not 2xx", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.confirm_cpu")
    parser.add_argument("mode", choices=["http", "inproc"])
    parser.add_argument("-n", type=int, default=300)
    parser.add_argument("-c", type=int, default=8, help="inproc: concurrent confirms")
    parser.add_argument("--seconds", type=float, default=8, help="http: wrk's duration")
    args = parser.parse_args()
    info = json.loads((ARTIFACTS / "serve" / "info.json").read_text())
    if args.mode == "http":
        over_http(info, args.n, args.seconds)
    else:
        asyncio.run(in_process(info, args.n, args.c))


if __name__ == "__main__":
    main()
