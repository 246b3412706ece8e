"""Starting what the bench measures: imghost in each configuration, and the bare yardstick.

imghost itself is started by tests/support/server.py's start_app, exactly as the
tests and production start it (granian, prebuilt frontend).
"""

from __future__ import annotations

import os
import secrets
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.process import cpu_seconds, wait_for_quiet_machine
from tests.support.ports import free_port
from tests.support.server import PROJECT_ROOT, AppServer, start_app

# Bench users log in thousands of times from one address: the login limits would
# answer 429 and measure the limiter instead of the endpoint.
UNLIMITED = {"IMGHOST_RATE_LIMIT_ENABLED": "false"}


@dataclass
class Started:
    server: AppServer
    seconds_to_ready: float


def wait_for(url: str, timeout_s: float = 90, status: int = 200) -> float:
    """Seconds until url answers `status` (polled every 20 ms)."""
    start = time.monotonic()
    # One client: httpx.get would build one (and its TLS context, ~40 ms of CPU) per
    # poll, a core's worth at this rate, taken from the server being timed.
    with httpx.Client(timeout=2) as client:
        while time.monotonic() - start < timeout_s:
            try:
                if client.get(url).status_code == status:
                    return time.monotonic() - start
            except httpx.HTTPError:
                pass
            time.sleep(0.02)
    raise RuntimeError(f"{url} did not answer {status} within {timeout_s} s")


def start_imghost(env: dict[str, str], log_dir: Path, port: int, workers: int = 1,
                  web_dir: Path | None = None) -> Started:
    """Start imghost with the prebuilt frontend; time process start to first 200 on /api/health."""
    env = {**UNLIMITED, **env}
    if web_dir is not None:
        env["REFLEX_WEB_WORKDIR"] = str(web_dir)
    began = time.monotonic()
    server = start_app(env, log_dir, with_frontend=web_dir is not None, workers=workers,
                       port=port)
    wait_for(f"{server.base_url}/api/health")
    return Started(server, time.monotonic() - began)


@dataclass
class Restarts:
    """Restarts on an existing database, each timed to its first 200 on /api/health."""
    seconds: list[float]
    cpu_seconds: list[float]  # the server's process tree by then
    quiet_wait_s: float
    machine_busy: float  # share of all cores busy just before the first restart

    @property
    def median_s(self) -> float:
        return statistics.median(self.seconds)

    @property
    def median_cpu_s(self) -> float:
        return statistics.median(self.cpu_seconds)


def timed_restarts(env: dict[str, str], log_dir: Path, port: int, workers: int = 1,
                   web_dir: Path | None = None, runs: int = 3) -> Restarts:
    """A start's seconds are the server's own only on a quiet machine: after a load run the
    database still vacuums and the store compacts (seen: 2.2 s at load 1.5-4.8, 0.9 s
    quiet, for the same ~0.85 s of server CPU). So wait for quiet, then restart `runs`
    times; the CPU figure does not depend on the neighbours."""
    waited, busy = wait_for_quiet_machine()
    seconds, cpu = [], []
    for _ in range(runs):
        started = start_imghost(env, log_dir, port, workers, web_dir)
        cpu.append(cpu_seconds(started.server.process.pid))
        started.server.stop()
        seconds.append(started.seconds_to_ready)
    return Restarts(seconds, cpu, waited, busy)


def postgres_s3_env(database_url: str, s3_env: dict[str, str], data_dir: Path) -> dict[str, str]:
    return {**s3_env, "IMGHOST_DATABASE_URL": database_url,
            "IMGHOST_JWT_SECRET": secrets.token_urlsafe(48), "IMGHOST_DATA_DIR": str(data_dir)}


def embedded_env(data_dir: Path) -> dict[str, str]:
    return {"IMGHOST_DATA_DIR": str(data_dir)}


def database_url_of(env: dict[str, str]) -> str:
    return env.get("IMGHOST_DATABASE_URL") or f"sqlite:///{env['IMGHOST_DATA_DIR']}/imghost.db"


class BareApp:
    """bench.bare_app served by the same granian command line as imghost."""

    def __init__(self, log_dir: Path):
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        command = [sys.executable, "-m", "granian", "--interface", "asgi", "--factory",
                   "--host", "127.0.0.1", "--port", str(self.port), "--workers", "1",
                   "bench.bare_app:create_app"]
        self.process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=dict(os.environ),
                                        stdout=(log_dir / "bare.log").open("wb"),
                                        stderr=subprocess.STDOUT, start_new_session=True)
        wait_for(f"{self.base_url}/api/health/live", timeout_s=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
