"""The operator CLI, run as operators run it: the installed `imghost` console script."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from sqlmodel import Session, select

from tests.support.actions import new_user, unique_name, upload
from tests.support.images import jpeg, png

PASSWORD = "correct horse battery"
PROJECT_ROOT = Path(__file__).resolve().parents[2]


PROJECT_ROOT = Path(__file__).resolve().parents[2]


def imghost_command() -> list[str]:
    script = Path(sys.executable).parent / "imghost"
    # The console script is what the Dockerfile and docs use; fall back to the module
    # only if the package was not installed (pip install -e .).
    return [str(script)] if script.exists() else [sys.executable, "-m", "imghost.cli"]


def run_cli(*args: str, stdin: str = "", env: dict[str, str] | None = None,
            cwd: Path | None = None) -> subprocess.CompletedProcess:
    # This checkout's code, even when the shared virtualenv's editable install points
    # at another worktree (a console script does not look in the working directory).
    pythonpath = os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")]))
    merged = {**os.environ, "PYTHONPATH": pythonpath, **(env or {})}
    return subprocess.run([*imghost_command(), *args], input=stdin, capture_output=True, text=True,
                          env=merged, timeout=120, cwd=cwd)


def test_console_script_is_installed():
    assert shutil.which("imghost", path=str(Path(sys.executable).parent)), \
        "run scripts/install.sh: it installs the package (pip install -e .)"
    reply = run_cli("--help")
    assert reply.returncode == 0
    for command in ("doctor", "create-user", "migrate", "sweep", "export", "set-quota"):
        assert command in reply.stdout


def test_migrate_is_idempotent(configured):
    first, second = run_cli("migrate"), run_cli("migrate")
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert "latest revision" in second.stdout


def test_create_user_works_with_registration_closed(configured):
    from imghost.services import auth

    name = unique_name("admin")
    reply = run_cli("create-user", name, f"{name}@example.com", "--password-stdin",
                    stdin=PASSWORD + "\n", env={"IMGHOST_REGISTRATION_OPEN": "false"})
    assert reply.returncode == 0, reply.stderr
    assert f"Created user {name}" in reply.stdout
    with Session(configured.engine) as session:
        user = auth.check_password(session, name, PASSWORD, configured.settings.bcrypt_rounds)
        assert user.username == name

    again = run_cli("create-user", name, f"other-{name}@example.com", "--password-stdin",
                    stdin=PASSWORD + "\n")
    assert again.returncode == 1
    assert "already taken" in again.stderr

    short = run_cli("create-user", unique_name(), "x@example.com", "--password-stdin", stdin="short\n")
    assert short.returncode == 1 and "at least 8" in short.stderr


def test_doctor_passes_on_a_working_configuration(configured, request):
    if configured.settings.storage == "s3":
        request.getfixturevalue("seaweed").allow_origins(["http://localhost:8000"])
    reply = run_cli("doctor", env={"IMGHOST_SITE_URL": "http://localhost:8000"})
    assert reply.returncode == 0, reply.stdout + reply.stderr
    for name in ("configuration", "secret", "database", "storage", "bucket cors", "staging expiry",
                 "presign round trip"):
        assert any(line.startswith("OK") and name in line for line in reply.stdout.splitlines()), \
            (name, reply.stdout)


def test_doctor_reports_missing_cors_rule_for_the_site(s3_configured, request):
    request.getfixturevalue("seaweed").allow_origins(["https://somewhere-else.example"])
    try:
        reply = run_cli("doctor", env={"IMGHOST_SITE_URL": "https://img.example.com"})
    finally:
        request.getfixturevalue("seaweed").allow_origins(["http://localhost:8000"])
    assert reply.returncode == 1
    assert any(line.startswith("FAIL") and "bucket cors" in line and "https://img.example.com" in line
               for line in reply.stdout.splitlines()), reply.stdout + reply.stderr


def test_doctor_reports_weak_secret_and_unreachable_services(tmp_path):
    from tests.support.ports import free_port

    dead = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("IMGHOST_")}
    env.update({"PYTHONPATH": str(PROJECT_ROOT), "IMGHOST_DATA_DIR": str(tmp_path),
                "IMGHOST_JWT_SECRET": "a" * 40,
                "IMGHOST_DATABASE_URL": f"postgresql+psycopg2://postgres@127.0.0.1:{dead}/x",
                "IMGHOST_STORAGE": "s3", "IMGHOST_S3_ENDPOINT_URL": f"http://127.0.0.1:{dead}",
                "IMGHOST_S3_BUCKET": "b", "IMGHOST_S3_ACCESS_KEY_ID": "k",
                "IMGHOST_S3_SECRET_ACCESS_KEY": "s", "IMGHOST_REDIS_URL": f"redis://127.0.0.1:{dead}/0"})
    reply = subprocess.run([*imghost_command(), "doctor"], capture_output=True, text=True, env=env,
                           timeout=120)
    assert reply.returncode == 1
    failed = {line.split()[1] for line in reply.stdout.splitlines() if line.startswith("FAIL")}
    assert {"secret", "database", "storage", "redis"} <= failed, reply.stdout


@pytest.mark.parametrize(("variable", "value"), [("IMGHOST_RATE_LIMIT_LOGIN_IP", "lots"),
                                                ("IMGHOST_REDIS_URL", "localhost:6379")])
def test_doctor_names_a_bad_variable(tmp_path, variable, value):
    env = {k: v for k, v in os.environ.items() if not k.startswith("IMGHOST_")}
    env.update({"PYTHONPATH": str(PROJECT_ROOT), "IMGHOST_DATA_DIR": str(tmp_path), variable: value})
    reply = subprocess.run([*imghost_command(), "doctor"], capture_output=True, text=True, env=env,
                           timeout=60)
    assert reply.returncode == 1
    assert variable in reply.stdout


def _confirmed_images(runtime, count: int) -> tuple[str, list[bytes]]:
    """A new user with `count` confirmed images (through the real start/finish actions)."""
    user = new_user(runtime, "export")
    blobs = [png((20 + i, 10)) if i % 2 == 0 else jpeg((10, 20 + i)) for i in range(count)]
    for i, data in enumerate(blobs):
        kind = "image/png" if i % 2 == 0 else "image/jpeg"
        assert upload(runtime, user, data, kind, f"holiday {i}.x").created
    return user.username, blobs


def test_export_to_zip_and_folder(configured, tmp_path):
    name, blobs = _confirmed_images(configured, 3)

    zipped = run_cli("export", name, str(tmp_path / "out.zip"))
    assert zipped.returncode == 0, zipped.stderr
    assert "Exported 3 image(s)" in zipped.stdout
    with zipfile.ZipFile(tmp_path / "out.zip") as archive:
        metadata = json.loads(archive.read("metadata.json"))
        assert metadata["user"]["username"] == name
        assert [archive.read(entry["file"]) for entry in metadata["images"]] == blobs
    assert [e["content_type"] for e in metadata["images"]] == ["image/png", "image/jpeg", "image/png"]
    assert all(e["size_bytes"] == len(b) for e, b in zip(metadata["images"], blobs, strict=True))

    folder = run_cli("export", f"{name}@example.com", str(tmp_path / "folder"))
    assert folder.returncode == 0, folder.stderr
    on_disk = json.loads((tmp_path / "folder" / "metadata.json").read_text())
    assert [(tmp_path / "folder" / e["file"]).read_bytes() for e in on_disk["images"]] == blobs

    refused = run_cli("export", name, str(tmp_path / "out.zip"))
    assert refused.returncode == 1 and "already exists" in refused.stderr
    missing = run_cli("export", "nobody_" + name, str(tmp_path / "none"))
    assert missing.returncode == 1 and "No user" in missing.stderr


def test_backfill_thumbnails_makes_the_missing_ones(configured):
    import time

    from sqlalchemy import update

    from imghost.models import Image, User

    assert "backfill-thumbnails" in run_cli("--help").stdout
    name, _ = _confirmed_images(configured, 2)
    storage = configured.storage
    with Session(configured.engine) as session:
        user_id = session.exec(select(User.id).where(User.username == name)).one()

    def thumbnails() -> list[str | None]:
        with Session(configured.engine) as session:
            return list(session.exec(select(Image.thumbnail_key).where(Image.user_id == user_id)))

    deadline = time.monotonic() + 30  # confirm schedules them in the background: let it finish
    while None in thumbnails() and time.monotonic() < deadline:
        time.sleep(0.2)
    # ...and let every in-process job end: one still running would record over the reset.
    assert configured.thumbnails.wait_until_idle()
    # As if the images had been given up on (or uploaded before the pipeline existed):
    # out of attempts, so only backfill takes them, not a retry poll of some other
    # runtime of this suite on the same database.
    for key in thumbnails():
        if key:
            storage.delete(key)
    with Session(configured.engine) as session:
        session.exec(update(Image).where(Image.user_id == user_id).values(
            thumbnail_key=None, display_key=None, thumbnail_lease_until=None,
            thumbnail_attempts=configured.settings.thumbnail_max_attempts))
        session.commit()

    reply = run_cli("backfill-thumbnails")
    # Other tests' images share this database: count at least ours.
    made_count = re.search(r"Made thumbnails for (\d+) image", reply.stdout)
    assert made_count and int(made_count.group(1)) >= 2, reply.stdout + reply.stderr
    made = thumbnails()
    assert all(made) and all(storage.head(key) is not None for key in made)


def test_set_quota(configured):
    from imghost.models import User

    user = new_user(configured, "quota")
    env = {}
    reply = run_cli("set-quota", user.username, "2GiB", env=env)
    assert reply.returncode == 0, reply.stderr
    assert f"{user.username} now has its own quota: 2.0 GiB." in reply.stdout
    assert run_cli("set-quota", user.email, "unlimited", env=env).stdout.strip().endswith(
        "its own quota: unlimited.")
    with Session(configured.engine) as session:
        assert session.get(User, user.id).quota_bytes == 0
    back = run_cli("set-quota", str(user.id), "default", env=env)
    assert "the server default: 10.0 GiB" in back.stdout, back.stdout + back.stderr
    with Session(configured.engine) as session:
        assert session.get(User, user.id).quota_bytes is None
    bad = run_cli("set-quota", user.username, "lots", env=env)
    assert bad.returncode == 1 and "not a size" in bad.stderr
    nobody = run_cli("set-quota", "no-such-user-here", "1GiB", env=env)
    assert nobody.returncode == 1
