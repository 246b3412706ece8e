"""Seconds from `make run` on a fresh clone to the first page, with nothing cached.

python -m bench.first_run

Clones the committed HEAD into a temporary directory and runs `make run` there with
empty pip, uv and npm caches and with `node`, `npm` and `npx` shadowed by commands that
fail, so the figure includes every download and proves that only Python and make are
needed (Node comes from PyPI). Stops at the first 200 on `/` (the UI, served from the
freshly built pages) and prints one JSON line: seconds, and when each step began.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import httpx

from tests.support.ports import free_port
from tests.support.server import PROJECT_ROOT

TIMEOUT_S = 900
# What make run prints as it goes: when each appears, that step has begun.
STEPS = {"requirements": "Installing requirements.txt", "node": "Installing Node",
         "bun": "Installing bun", "build": "Building the frontend", "serve": "imghost on http://"}


def hide_system_node(directory: Path) -> None:
    for name in ("node", "npm", "npx"):
        stub = directory / name
        stub.write_text(f"#!/bin/sh\necho 'system {name} used' >&2\nexit 127\n")
        stub.chmod(0o755)


def first_page_seconds(work: Path) -> dict:
    clone = work / "imghost"
    subprocess.run(["git", "clone", "--quiet", str(PROJECT_ROOT), str(clone)], check=True)
    stubs = work / "stubs"
    stubs.mkdir()
    hide_system_node(stubs)
    port = free_port()
    env = {**os.environ, "PATH": f"{stubs}:{os.environ['PATH']}", "IMGHOST_PORT": str(port),
           "PIP_CACHE_DIR": str(work / "pip-cache"), "UV_CACHE_DIR": str(work / "uv-cache"),
           "npm_config_cache": str(work / "npm-cache")}
    for name in ("VENV", "REFLEX_WEB_WORKDIR", "IMGHOST_DATABASE_URL", "IMGHOST_DATA_DIR"):
        env.pop(name, None)
    log_path = work / "make-run.log"
    began = time.monotonic()
    with log_path.open("wb") as log:
        make = subprocess.Popen(["make", "run"], cwd=clone, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, start_new_session=True)
        try:
            return _watch(make, log, f"http://127.0.0.1:{port}/", began)
        finally:
            os.killpg(make.pid, signal.SIGTERM)
            try:
                make.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(make.pid, signal.SIGKILL)


def _watch(make: subprocess.Popen, log, url: str, began: float) -> dict:
    """Copy make's output to the log, noting when each step begins, until url answers 200."""
    os.set_blocking(make.stdout.fileno(), False)
    steps: dict[str, float] = {}
    text = b""
    while time.monotonic() - began < TIMEOUT_S:
        chunk = make.stdout.read() or b""
        log.write(chunk)
        text += chunk
        for step, marker in STEPS.items():
            if step not in steps and marker.encode() in text:
                steps[step] = round(time.monotonic() - began, 1)
        if b"system node used" in text or b"system npm used" in text:
            raise RuntimeError("make run called the system's node or npm")
        if make.poll() is not None:
            raise RuntimeError(f"make run exited {make.returncode} before serving")
        if "serve" in steps and _answers(url):
            return {"seconds": round(time.monotonic() - began, 1), "steps_began_s": steps}
        time.sleep(0.25)
    raise RuntimeError(f"make run did not serve {url} within {TIMEOUT_S} s")


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="imghost-first-run-") as work:
        print(json.dumps(first_page_seconds(Path(work))), flush=True)


if __name__ == "__main__":
    main()
