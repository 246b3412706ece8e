"""The Flameshot/Linux script from the Settings page, run for real against the test server.

Stand-ins replace the desktop: `flameshot` prints PNG bytes as `flameshot gui -r` does,
and the clipboard commands write what they receive to a file. curl and jq are real.
"""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import httpx
import pytest

from imghost.services.client_configs import flameshot_script, sharex_config
from tests.support.api_client import new_account, new_api_token
from tests.support.images import png


def executable(path: Path, body: str) -> None:
    path.write_text("#!/usr/bin/env bash\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


@pytest.fixture
def desktop(tmp_path: Path) -> dict:
    """A PATH with a fake flameshot and fake clipboards, in front of the real tools."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shot = tmp_path / "shot.png"
    shot.write_bytes(png((96, 54), (20, 160, 90)))
    executable(bin_dir / "flameshot",
               f'[ "$1 $2" = "gui -r" ] || exit 2\ncat {shot}\n')
    return {"bin": bin_dir, "shot": shot, "clipboard": tmp_path / "clipboard",
            "env": {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}}


def run_script(tmp_path: Path, script: str, env: dict) -> subprocess.CompletedProcess:
    path = tmp_path / "imghost-flameshot.sh"
    executable(path, script.removeprefix("#!/usr/bin/env bash\n"))
    return subprocess.run([str(path)], env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("clipboard", ["wl-copy", "xclip"])
def test_the_script_uploads_a_screenshot_and_copies_its_link(client, app_server, desktop,
                                                            tmp_path, clipboard):
    account = new_account(client)
    token = new_api_token(client, account, ["images:write"])["token"]
    if clipboard == "wl-copy":
        executable(desktop["bin"] / "wl-copy", f'cat > {desktop["clipboard"]}\n')
    else:  # no Wayland: wl-copy fails, xclip takes over
        executable(desktop["bin"] / "wl-copy", "exit 1\n")
        executable(desktop["bin"] / "xclip",
                   f'[ "$*" = "-selection clipboard" ] || exit 2\ncat > {desktop["clipboard"]}\n')
    ran = run_script(tmp_path, flameshot_script(app_server.base_url, token), desktop["env"])
    assert ran.returncode == 0, ran.stderr
    link = desktop["clipboard"].read_text()
    assert link.startswith(f"{app_server.base_url}/api/files/") or link.startswith("http")
    assert ran.stdout.strip() == link  # no notify-send here: the link is printed
    served = httpx.get(link, follow_redirects=True, timeout=30)
    assert served.status_code == 200 and served.content.startswith(b"\x89PNG")


def test_the_script_fails_loudly_with_a_revoked_token(client, app_server, desktop, tmp_path):
    account = new_account(client)
    created = new_api_token(client, account, ["images:write"])
    client.delete(f"/api/tokens/{created['id']}", headers=account.headers)
    executable(desktop["bin"] / "wl-copy", f'cat > {desktop["clipboard"]}\n')
    ran = run_script(tmp_path, flameshot_script(app_server.base_url, created["token"]),
                     desktop["env"])
    assert ran.returncode != 0
    assert "The access token is invalid." in ran.stderr
    assert not desktop["clipboard"].exists()


def test_sharex_config_names_the_fields_sharex_reads():
    import json

    config = json.loads(sharex_config("https://img.example.com", "imghost_pat_x"))
    assert config["RequestURL"] == "https://img.example.com/api/images"
    assert config["Headers"] == {"Authorization": "Bearer imghost_pat_x"}
    assert (config["Body"], config["FileFormName"]) == ("MultipartFormData", "file")
    assert config["DestinationType"] == "ImageUploader"
    assert (config["URL"], config["ThumbnailURL"], config["DeletionURL"], config["ErrorMessage"]) \
        == ("{json:url}", "{json:thumbnail_url}", "{json:delete_url}", "{json:detail}")
