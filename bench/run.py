"""The whole benchmark: three configurations, the yardstick, cold start, memory, gallery.

Usage: python -m bench [--duration S] [--out BENCHMARKS.md] [--only pg1,...]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import load, report
from bench.gallery import measure_gallery
from bench.gallery_scroll import measure_gallery_scroll
from bench.process import rss_mib
from bench.scenarios import Target, run_all, token_for
from bench.seed import seed
from bench.servers import (
    BareApp,
    database_url_of,
    embedded_env,
    postgres_s3_env,
    start_imghost,
    timed_restarts,
)
from tests.support.ports import free_port
from tests.support.postgres import throwaway_database
from tests.support.seaweed import start_seaweed
from tests.support.server import PROJECT_ROOT

ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "bench"
WEB_DIR = ARTIFACTS / "web"
PORT_FILE = ARTIFACTS / "port"
# Rows a delete run can use up: the deletes run at a few hundred per second.
DELETE_FODDER = 3_000
WORKERS_WITH_REDIS = max(2, os.cpu_count() or 2)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")


def log(message: str) -> None:
    print(message, flush=True)


def bench_port() -> int:
    """The port the frontend was built for, if still free: the build bakes the port in."""
    import socket

    if PORT_FILE.exists():
        port = int(PORT_FILE.read_text())
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
                return port
            except OSError:
                pass
    port = free_port()
    PORT_FILE.write_text(str(port))
    return port


def build_frontend(port: int) -> float:
    began = time.monotonic()
    env = {**os.environ, "IMGHOST_PORT": str(port), "REFLEX_WEB_WORKDIR": str(WEB_DIR)}
    subprocess.run(["scripts/build-frontend.sh"], cwd=PROJECT_ROOT, env=env, check=True)
    return time.monotonic() - began


def run_config(name: str, env: dict[str, str], port: int, out: Path, workers: int = 1,
               bare: BareApp | None = None, gallery: bool = False) -> dict:
    """Start, seed, load every endpoint, measure memory (and the gallery), stop."""
    log(f"== {name}: {workers} worker(s)")
    work = out / name
    work.mkdir(parents=True, exist_ok=True)
    started = start_imghost(env, work, port, workers, WEB_DIR)
    server = started.server
    facts: dict = {"name": name, "workers": workers, "first_start_s": started.seconds_to_ready}
    try:
        time.sleep(1)
        facts["rss_idle_mib"] = rss_mib(server.process.pid)
        users = seed(database_url_of(env), server.env["IMGHOST_SITE_URL"], DELETE_FODDER)
        gallery_token = token_for(server.base_url, users["gallery"].username)
        facts["results"] = run_all(Target(server.base_url, database_url_of(env), users, work,
                                          bare.base_url if bare else None,
                                          server.process.pid,
                                          bare.process.pid if bare else None), log)
        facts["rss_after_mib"] = rss_mib(server.process.pid)
        if gallery:
            facts["gallery"] = measure_gallery(server.base_url, gallery_token, work, log)
            facts["gallery_scroll"] = measure_gallery_scroll(
                server.base_url, token_for(server.base_url, users["big"].username), work, log)
    finally:
        server.stop()
    # Cold start: restarts on the existing database, as after a deploy.
    restarts = timed_restarts(env, work, port, workers, WEB_DIR)
    facts.update(cold_start_s=restarts.median_s, cold_start_runs_s=restarts.seconds,
                 cold_start_cpu_s=restarts.median_cpu_s,
                 cold_start_quiet=(restarts.quiet_wait_s, restarts.machine_busy))
    log(f"  rss idle {facts['rss_idle_mib']:.0f} MiB, after {facts['rss_after_mib']:.0f} MiB, "
        f"restart {facts['cold_start_s']:.2f} s (median of "
        f"{', '.join(f'{s:.2f}' for s in restarts.seconds)}; server CPU "
        f"{restarts.median_cpu_s:.2f} s; waited {restarts.quiet_wait_s:.0f} s for a quiet "
        f"machine, {restarts.machine_busy:.0%} busy)")
    return facts


def thumbnails_output() -> str | None:
    """The image pipeline's own figures (bench/thumbnails.py), when it exists."""
    script = Path(__file__).resolve().parent / "thumbnails.py"
    if not script.exists():
        return None
    log("== thumbnails (bench/thumbnails.py)")
    finished = subprocess.run([sys.executable, "-m", "bench.thumbnails"], cwd=PROJECT_ROOT,
                              capture_output=True, text=True, timeout=300)
    text = finished.stdout.strip()
    if finished.returncode != 0:
        text += f"\n(bench/thumbnails.py exited {finished.returncode}: " \
                f"{finished.stderr.strip()[-500:]})"
    log(text)
    return text


def slow_confirms_output() -> str:
    """/api/auth/me while ten 20 MB confirms run (bench/slow_confirms.py), in its own process."""
    log("== /api/auth/me during slow confirms (bench/slow_confirms.py)")
    finished = subprocess.run([sys.executable, "-m", "bench.slow_confirms"], cwd=PROJECT_ROOT,
                              capture_output=True, text=True, timeout=900)
    text = finished.stdout.strip()
    if finished.returncode != 0:
        text += f"\n(bench/slow_confirms.py exited {finished.returncode}: " \
                f"{finished.stderr.strip()[-500:]})"
    log(text)
    return text


def first_run_facts() -> dict:
    """`make run` on a fresh clone with nothing cached (bench/first_run.py), in its own process."""
    log("== first make run on a fresh clone (bench/first_run.py)")
    finished = subprocess.run([sys.executable, "-m", "bench.first_run"], cwd=PROJECT_ROOT,
                              capture_output=True, text=True, timeout=1200)
    if finished.returncode != 0:
        return {"error": finished.stderr.strip().splitlines()[-1] if finished.stderr else
                f"exited {finished.returncode}"}
    facts = json.loads(finished.stdout.strip().splitlines()[-1])
    log(f"  {facts}")
    return facts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--duration", type=float, default=load.DURATION_S,
                        help="seconds per endpoint run")
    parser.add_argument("--out", default=str(PROJECT_ROOT / "BENCHMARKS.md"))
    parser.add_argument("--only", default="pg1,redis,embedded,slow_confirms,first_run",
                        help="comma-separated configurations and scenarios to run")
    args = parser.parse_args(argv)
    load.DURATION_S = args.duration
    only = set(args.only.split(","))
    began = time.monotonic()
    stamp = dt.datetime.now(dt.UTC)
    out = ARTIFACTS / stamp.strftime("%Y%m%dT%H%M%SZ")
    out.mkdir(parents=True, exist_ok=True)
    load.require_wrk()
    port = bench_port()
    log(f"== frontend build for port {port}")
    build_s = build_frontend(port)
    load_before = os.getloadavg()

    configs: dict[str, dict] = {}
    seaweed = start_seaweed(Path(tempfile.mkdtemp(prefix="imghost-bench-weed-")))
    bare = BareApp(out)
    try:
        if "pg1" in only:
            with throwaway_database() as database_url:
                env = postgres_s3_env(database_url, seaweed.env(), out / "pg1-data")
                seaweed.allow_origins([f"http://localhost:{port}"])
                configs["pg1"] = run_config("pg1", env, port, out, bare=bare, gallery=True)
        if "redis" in only:
            with throwaway_database() as database_url:
                env = postgres_s3_env(database_url, seaweed.env(), out / "redis-data")
                env["REFLEX_REDIS_URL"] = REDIS_URL
                env["IMGHOST_REDIS_URL"] = REDIS_URL
                configs["redis"] = run_config("redis", env, port, out,
                                              workers=WORKERS_WITH_REDIS)
        if "embedded" in only:
            configs["embedded"] = run_config("embedded", embedded_env(out / "embedded-data"),
                                             port, out)
    finally:
        bare.stop()
        seaweed.stop()

    thumbnails = thumbnails_output()
    slow_confirms = slow_confirms_output() if "slow_confirms" in only else None
    first_run = first_run_facts() if "first_run" in only else None
    elapsed = time.monotonic() - began
    inputs = dict(configs=configs, stamp=stamp, elapsed_s=elapsed, build_s=build_s,
                  load_before=load_before, load_after=os.getloadavg(), duration_s=args.duration,
                  thumbnails=thumbnails, slow_confirms=slow_confirms, first_run=first_run,
                  hardware=report.hardware())
    # Kept so the report can be written again from this run's figures after its text
    # changes, without measuring again: python -m bench.report <this directory>.
    (out / report.INPUTS).write_bytes(pickle.dumps(inputs))
    report.write(Path(args.out), **inputs)
    log(f"== wrote {args.out} in {elapsed:.0f} s")


if __name__ == "__main__":
    main()
