"""The generated signing secret (embedded mode): created once, atomically, mode 0600.

Run in fresh interpreters: several processes racing to create it, and one that
watches the file at every step of its own creation (an audit hook sees each
system call Python makes) under the loosest umask.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.support.server import PROJECT_ROOT

RACER = textwrap.dedent("""
    import os, sys, time
    os.umask(0)
    from imghost.settings import Settings
    start = float(sys.argv[2])
    while time.time() < start:
        pass
    print(Settings(data_dir=sys.argv[1]).signing_secret)
""")

WATCHER = textwrap.dedent("""
    import os, stat, sys
    os.umask(0)
    from imghost.settings import Settings
    path = os.path.join(sys.argv[1], "jwt_secret")
    seen = set()

    def watch(event, _args):
        try:
            seen.add(stat.S_IMODE(os.stat(path).st_mode))
        except OSError:
            pass

    sys.addaudithook(watch)
    Settings(data_dir=sys.argv[1]).signing_secret
    print(" ".join(oct(mode) for mode in sorted(seen)))
""")


def python(script: str, *args: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IMGHOST_")}
    return subprocess.Popen([sys.executable, "-c", script, *args], cwd=PROJECT_ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_racing_processes_all_use_the_one_secret(tmp_path: Path):
    for round_number in range(4):
        data_dir = tmp_path / f"round{round_number}"
        start = time.time() + 1.5  # every racer has imported imghost by then
        racers = [python(RACER, str(data_dir), str(start)) for _ in range(6)]
        outputs = [racer.communicate(timeout=60) for racer in racers]
        assert all(racer.returncode == 0 for racer in racers), [err for _, err in outputs]
        secrets = {out.strip() for out, _ in outputs}
        assert len(secrets) == 1 and len(secrets.pop()) >= 32
        assert (data_dir / "jwt_secret").stat().st_mode & 0o777 == 0o600
        assert sorted(p.name for p in data_dir.iterdir()) == ["jwt_secret"]  # no temp files left


def test_the_secret_file_is_never_readable_by_others(tmp_path: Path):
    watcher = python(WATCHER, str(tmp_path))
    out, err = watcher.communicate(timeout=60)
    assert watcher.returncode == 0, err
    assert out.split() == ["0o600"], f"modes the secret file had while being created: {out}"


def test_a_loosened_or_truncated_secret_file(tmp_path: Path):
    from imghost.settings import ConfigError, Settings

    secret = Settings(data_dir=tmp_path).signing_secret
    path = tmp_path / "jwt_secret"
    path.chmod(0o644)  # e.g. restored from a backup
    assert Settings(data_dir=tmp_path).signing_secret == secret
    assert path.stat().st_mode & 0o777 == 0o600
    path.write_text("short")
    with pytest.raises(ConfigError, match="shorter than 32 characters"):
        _ = Settings(data_dir=tmp_path).signing_secret
