"""The imghost server as users run it: granian serving imghost.asgi:app in a subprocess."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.support.ports import free_port

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class AppServer:
    base_url: str
    port: int
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen | None = None
    extra: dict = field(default_factory=dict)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def server_environment(env: dict[str, str], port: int, with_frontend: bool) -> dict[str, str]:
    merged = {k: v for k, v in os.environ.items() if not k.startswith("IMGHOST_")}
    merged.update(env)
    merged.update({
        "IMGHOST_PORT": str(port),
        "IMGHOST_SITE_URL": env.get("IMGHOST_SITE_URL", f"http://localhost:{port}"),
        "REFLEX_ENV_MODE": "prod",
        "REFLEX_CHECK_LATEST_VERSION": "false",
        # Run the prebuilt app as the Dockerfile and `make run` do (see DESIGN.md).
        "__REFLEX_SKIP_COMPILE": "true",
        "PYTHONUNBUFFERED": "1",
    })
    if with_frontend:
        merged["__REFLEX_MOUNT_FRONTEND_COMPILED_APP"] = "true"
    return merged


def start_app(env: dict[str, str], log_dir: Path, with_frontend: bool = False,
              workers: int = 1, port: int | None = None, serve_script: bool = False) -> AppServer:
    """serve_script: run scripts/serve.sh itself (what `make run` and the container run),
    granian options included; it always mounts the pages, so env must name a
    REFLEX_WEB_WORKDIR with a build/client directory."""
    port = port or free_port()
    log_path = log_dir / f"server-{port}.log"
    command = [sys.executable, "-m", "granian", "--interface", "asgi", "--factory",
               "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
               "imghost.asgi:app"]
    full_env = server_environment(env, port, with_frontend)
    if serve_script:
        command = ["bash", "scripts/serve.sh"]
        # VENV: the script's granian is this interpreter's (scripts/env.sh puts it on PATH).
        full_env.update({"VENV": sys.prefix, "IMGHOST_HOST": "127.0.0.1",
                         "IMGHOST_WORKERS": str(workers)})
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=full_env,
                               stdout=log_path.open("wb"), stderr=subprocess.STDOUT,
                               start_new_session=True)
    server = AppServer(base_url=f"http://localhost:{port}", port=port, env=full_env,
                       log_path=log_path, process=process)
    deadline = time.monotonic() + 90
    # One client for every poll: httpx.get builds a client, and its TLS context, each
    # time (~40 ms of CPU), which a 2-core machine takes from the starting server.
    with httpx.Client(timeout=2) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"imghost server exited:\n{server.log()[-4000:]}")
            try:
                if client.get(f"{server.base_url}/api/health/live").status_code == 200:
                    return server
            except httpx.HTTPError:
                pass
            time.sleep(0.02)
    server.stop()
    raise RuntimeError(f"imghost server did not start in 90 s:\n{server.log()[-4000:]}")
