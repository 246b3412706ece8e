"""Start one bench configuration, seeded, and keep it running for profiling by hand.

python -m bench.serve [pg1|embedded]   prints the URL, the pid and tokens, then waits.
"""

from __future__ import annotations

import json
import signal
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.run import ARTIFACTS, DELETE_FODDER, WEB_DIR, bench_port, build_frontend
from bench.scenarios import deep_cursor, image_slug, login, personal_token
from bench.seed import seed
from bench.servers import database_url_of, embedded_env, postgres_s3_env, start_imghost
from tests.support.postgres import throwaway_database
from tests.support.seaweed import start_seaweed


def _interrupt(_signum, _frame) -> None:
    raise KeyboardInterrupt


def main() -> None:
    # Started in the background, SIGINT is ignored: SIGTERM must clean up too.
    signal.signal(signal.SIGTERM, _interrupt)
    kind = sys.argv[1] if len(sys.argv) > 1 else "pg1"
    out = ARTIFACTS / "serve"
    out.mkdir(parents=True, exist_ok=True)
    port = bench_port()
    build_frontend(port)  # the server mounts the pages built for its port (a no-op if built)
    seaweed = start_seaweed(Path(tempfile.mkdtemp(prefix="imghost-bench-weed-")))
    try:
        with throwaway_database() as database_url:
            env = (postgres_s3_env(database_url, seaweed.env(), out / "data") if kind == "pg1"
                   else embedded_env(Path(tempfile.mkdtemp(prefix="imghost-bench-data-"))))
            started = start_imghost(env, out, port, 1, WEB_DIR)
            server = started.server
            users = seed(database_url_of(env), server.env["IMGHOST_SITE_URL"], DELETE_FODDER)
            with httpx.Client(base_url=server.base_url, timeout=60) as client:
                tokens = {role: login(client, u.username) for role, u in users.items()}
                cursor = deep_cursor(client, tokens["big"], 200)
                pat = personal_token(client, tokens["big"])
            slug = image_slug(database_url_of(env), users["big"].id)
            info = {"url": server.base_url, "pid": server.process.pid, "tokens": tokens,
                    "users": {r: u.username for r, u in users.items()}, "cursor": cursor,
                    "pat": pat, "slug": slug,
                    "env": {k: v for k, v in server.env.items()
                            if k.startswith(("IMGHOST_", "REFLEX_"))}}
            (out / "info.json").write_text(json.dumps(info, indent=1))
            print(json.dumps(info), flush=True)
            try:
                while server.process.poll() is None:
                    time.sleep(1)
            finally:
                server.stop()
    finally:
        seaweed.stop()


if __name__ == "__main__":
    main()
