"""The image's code is not writable by the user the app runs as; only its data is.

No Docker engine on these machines (tests/api/test_docker.py runs the build steps and
serves the result unprivileged from a root-owned app directory): here the Dockerfile
itself is read, so a --chown that hands /app to the app's user cannot come back.
"""

from __future__ import annotations

import re

from tests.support.server import PROJECT_ROOT

RUNTIME_STAGE = (PROJECT_ROOT / "Dockerfile").read_text().split("\nFROM ")[-1]


def instructions(stage: str) -> list[str]:
    joined = re.sub(r"\\\n\s*", " ", stage)  # continuation lines into one
    return [line.strip() for line in joined.splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def test_code_is_copied_as_root_and_only_data_is_handed_over():
    lines = instructions(RUNTIME_STAGE)
    copies = [line for line in lines if line.startswith(("COPY", "ADD"))]
    assert copies, "the runtime stage copies the app in"
    for copy in copies:
        assert "--chown" not in copy and "--chmod" not in copy, copy
    owned = [target for line in lines for target in
             re.findall(r"chown\s+(?:-R\s+)?\S+\s+((?:/\S+\s*)+?)(?:&&|$)", line)]
    handed_over = " ".join(owned).split()
    assert set(handed_over) == {"/data", "/tmp/imghost-metrics"}, handed_over
    assert not any(re.search(r"chmod\s+.*(/app|/opt/venv)", line) for line in lines)


def test_the_app_user_is_set_after_the_files_are_in_place():
    lines = instructions(RUNTIME_STAGE)
    user_at = next(i for i, line in enumerate(lines) if line.startswith("USER "))
    assert lines[user_at] == "USER 10001:10001"
    assert all(i < user_at for i, line in enumerate(lines) if line.startswith(("COPY", "RUN")))
