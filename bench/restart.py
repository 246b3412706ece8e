"""Restart to first 200 on /api/health, alone: what bench.run's cold_start_s measures
(one worker, PostgreSQL + SeaweedFS, prebuilt frontend, database already migrated),
repeated without the rest of the bench.

python -m bench.restart [RUNS] [--hold]   waits for a quiet machine, then prints seconds
per restart, the server's CPU seconds by then and the median;
--hold leaves SeaweedFS and the database up and prints the server's environment, for
profiling a start by hand (Ctrl-C to clean up).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

from bench.run import ARTIFACTS, WEB_DIR, bench_port, build_frontend
from bench.servers import postgres_s3_env, start_imghost, timed_restarts
from tests.support.postgres import throwaway_database
from tests.support.seaweed import start_seaweed


def _interrupt(_signum, _frame) -> None:
    raise KeyboardInterrupt


def main() -> None:
    signal.signal(signal.SIGTERM, _interrupt)
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    runs = int(args[0]) if args else 3
    out = ARTIFACTS / "restart"
    out.mkdir(parents=True, exist_ok=True)
    port = bench_port()
    build_frontend(port)  # a no-op when the sources have not changed
    seaweed = start_seaweed(Path(tempfile.mkdtemp(prefix="imghost-bench-weed-")))
    try:
        with throwaway_database() as database_url:
            env = postgres_s3_env(database_url, seaweed.env(), out / "data")
            start_imghost(env, out, port, 1, WEB_DIR).server.stop()  # migrates
            if "--hold" in sys.argv:
                held = {**env, "IMGHOST_PORT": str(port), "REFLEX_WEB_WORKDIR": str(WEB_DIR)}
                print(json.dumps(held), flush=True)
                while True:
                    time.sleep(1)
            restarts = timed_restarts(env, out, port, 1, WEB_DIR, runs)
            print(f"waited {restarts.quiet_wait_s:.0f} s for a quiet machine "
                  f"({restarts.machine_busy:.0%} busy)")
            for seconds, cpu in zip(restarts.seconds, restarts.cpu_seconds, strict=True):
                # The server's CPU by then (its pages' build goes on meanwhile, so a
                # little more): steadier than the seconds on a shared machine.
                print(f"restart to first 200: {seconds:.2f} s, server CPU {cpu:.2f} s",
                      flush=True)
            print(f"median {restarts.median_s:.2f} s, server CPU {restarts.median_cpu_s:.2f} s "
                  f"(load {os.getloadavg()[0]:.1f})")
    finally:
        seaweed.stop()


if __name__ == "__main__":
    main()
