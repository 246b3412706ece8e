"""CPU per request inside one process, without a server or wrk: the quickest A/B.

python -m bench.inproc [live me me_pat upload list1 page bare ...] [-n 2000] [-c 8]

Builds the ASGI app granian serves (imghost.asgi:app) against the database and store
of a running `python -m bench.serve pg1`, and calls it directly with `-c` concurrent
requests: CPU time of this process (all threads, incl. the database threads) ÷
requests. "bare" is bench.bare_app, the yardstick. No socket or HTTP parsing is
counted, so figures are lower than bench.cpu's by about the server's own cost.
(bench.probe measures one endpoint in more detail; this one sets it beside the bare app.)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import time

from bench import probe
from bench.run import ARTIFACTS

BODY = b'{"filename":"a.png","content_type":"image/png","size_bytes":1234}'


def requests(info: dict) -> dict[str, tuple]:
    tokens = info["tokens"]
    return {
        "bare": ("GET", "/api/health/live", None, b"", b""),
        "live": ("GET", "/api/health/live", None, b"", b""),
        "me": ("GET", "/api/auth/me", tokens["big"], b"", b""),
        "me_pat": ("GET", "/api/auth/me", info["pat"], b"", b""),
        "list1": ("GET", "/api/images/", tokens["big"], b"", b"limit=50"),
        "upload": ("POST", "/api/images/upload-url", tokens["uploader"], BODY, b""),
        "page": ("GET", f"/i/{info['slug']}", None, b"", b""),
    }


async def call(app, method: str, path: str, token: str | None, body: bytes, query: bytes) -> int:
    """One request through the ASGI callable (bench.probe builds the scope)."""
    target = f"{path}?{query.decode()}" if query else path
    return await probe.call(app, method, target, token, body)


async def measure(app, spec: tuple, total: int, concurrency: int) -> tuple[float, float]:
    for _ in range(50):
        status = await call(app, *spec)
    if status >= 300:
        raise SystemExit(f"{spec[1]} answered {status}")

    async def client(count: int) -> None:
        for _ in range(count):
            await call(app, *spec)

    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(client(total // concurrency) for _ in range(concurrency)))
    done = total // concurrency * concurrency
    return (time.process_time() - cpu) / done * 1e6, done / (time.perf_counter() - wall)


async def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.inproc")
    parser.add_argument("endpoints", nargs="*", default=["bare", "live", "me", "me_pat",
                                                          "upload", "list1", "page"])
    parser.add_argument("-n", type=int, default=2000)
    parser.add_argument("-c", type=int, default=8)
    args = parser.parse_args()
    info = json.loads((ARTIFACTS / "serve" / "info.json").read_text())
    os.environ.update(info["env"])
    from bench.bare_app import create_app
    from imghost.asgi import app as imghost_app

    apps = {"bare": create_app(), "imghost": imghost_app()}
    # As served: access lines are written (to a file there; discarded here).
    for handler in logging.getLogger("imghost").handlers:
        handler.setStream(open(os.devnull, "w"))  # noqa: SIM115
    specs = requests(info)
    for name in args.endpoints:
        cpu, rate = await measure(apps["bare" if name == "bare" else "imghost"], specs[name],
                                  args.n, args.c)
        print(f"{name:8s} {cpu:7.0f} µs CPU/req {rate:7.0f} req/s", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
