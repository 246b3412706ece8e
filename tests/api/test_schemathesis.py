"""schemathesis against the running server's own OpenAPI document, on both backends.

Every check, as a signed-in user: no 5xx, no answer that breaks the schema, no
schema-valid request refused, 405 with Allow for a method a path does not have.
Bounded examples per operation, so each backend takes well under two minutes.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.api_client import new_account

EXAMPLES_PER_OPERATION = 40
CONFIG = Path(__file__).with_name("schemathesis.toml")


@pytest.mark.timeout(300)
def test_the_api_keeps_its_own_contract(client, app_server, artifacts_dir, backend, tmp_path):
    account = new_account(client, "fuzz")
    kind = "postgres-s3" if "IMGHOST_DATABASE_URL" in backend else "embedded"
    report = artifacts_dir / f"schemathesis-{kind}.xml"
    command = [str(Path(sys.executable).parent / "schemathesis"), "--config-file", str(CONFIG), "run",
               f"{app_server.base_url}/api/openapi.json", "--checks", "all",
               "--header", f"Authorization: Bearer {account.token}",
               "--max-examples", str(EXAMPLES_PER_OPERATION), "--seed", "20261129",
               "--report", "junit", "--report-junit-path", str(report)]
    env = {**os.environ, "NO_COLOR": "1", "SCHEMATHESIS_TELEMETRY": "false"}
    # cwd: schemathesis keeps a cache directory (.schemathesis) where it runs.
    result = subprocess.run(command, capture_output=True, text=True, timeout=280, env=env,
                            cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-12000:] + result.stderr[-2000:]
