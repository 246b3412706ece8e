"""A built frontend for one port: the websocket URL is baked into the build."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.support.ports import free_port
from tests.support.server import PROJECT_ROOT, AppServer, start_app


def build_frontend(web_dir: Path, port: int, env: dict[str, str] | None = None) -> Path:
    """Run scripts/build-frontend.sh into web_dir for `port` (about 6 s; cached by a stamp)."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("IMGHOST_")}
    full_env.update(env or {})
    full_env.update({"REFLEX_WEB_WORKDIR": str(web_dir), "IMGHOST_PORT": str(port)})
    result = subprocess.run(["bash", "scripts/build-frontend.sh"], cwd=PROJECT_ROOT, env=full_env,
                            capture_output=True, text=True, timeout=600)
    if result.returncode != 0 or not (web_dir / "build" / "client" / "index.html").exists():
        raise RuntimeError(f"frontend build failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return web_dir


def start_app_with_pages(env: dict[str, str], work_dir: Path, workers: int = 1) -> AppServer:
    """imghost serving its pages too, on a free port its frontend is built for."""
    port = free_port()
    web_dir = build_frontend(work_dir / "web", port, env)
    return start_app({**env, "REFLEX_WEB_WORKDIR": str(web_dir)}, work_dir, with_frontend=True,
                     workers=workers, port=port)
