"""What a worker's start does before the API answers: the API is built without Reflex,
boto3 or Jinja2 (imghost/asgi.py, services/storage/s3.py, api/share_html.py); the store's client is made once,
by the start (startup.prepare_server) or on first use, whichever thread asks first."""

from __future__ import annotations

import json
import subprocess
import sys
import threading

import pytest

from imghost.services.storage import s3
from imghost.settings import Settings
from tests.support.server import PROJECT_ROOT

# Building the API as granian's factory call does, in a fresh interpreter.
BUILD_THE_API = """
import json, sys
import imghost.asgi
imghost.asgi.app()
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


def test_building_the_api_imports_neither_reflex_nor_boto3_nor_jinja2(tmp_path):
    env = {"IMGHOST_DATA_DIR": str(tmp_path), "IMGHOST_JWT_SECRET": "x" * 48,
           "IMGHOST_STORAGE": "s3", "IMGHOST_S3_ENDPOINT_URL": "http://127.0.0.1:9",
           "IMGHOST_S3_BUCKET": "imghost", "IMGHOST_S3_ACCESS_KEY_ID": "key",
           "IMGHOST_S3_SECRET_ACCESS_KEY": "secret-key-0123456789",
           "PATH": "/usr/bin:/bin"}
    finished = subprocess.run([sys.executable, "-c", BUILD_THE_API], cwd=PROJECT_ROOT, env=env,
                              capture_output=True, text=True, timeout=120)
    assert finished.returncode == 0, finished.stderr[-2000:]
    packages = set(json.loads(finished.stdout.strip().splitlines()[-1]))
    assert "fastapi" in packages  # the API was built
    assert not packages & {"reflex", "boto3", "s3transfer", "jinja2"}


@pytest.fixture
def storage(monkeypatch) -> tuple[s3.S3Storage, list[str]]:
    made: list[str] = []

    def make_client(self):
        made.append(threading.current_thread().name)
        threading.Event().wait(0.05)  # a slow build: other threads ask meanwhile
        return object()

    monkeypatch.setattr(s3.S3Storage, "_make_client", make_client)
    settings = Settings(storage="s3", s3_endpoint_url="http://127.0.0.1:9", s3_bucket="b",
                        s3_access_key_id="key", s3_secret_access_key="secret-key-0123456789")
    return s3.S3Storage(settings), made


def test_the_client_is_made_on_first_use_only_once(storage):
    bucket, made = storage
    assert made == []  # building the storage made none
    clients = []
    threads = [threading.Thread(target=lambda: clients.append(bucket.client)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(made) == 1
    assert len({id(client) for client in clients}) == 1
    assert bucket.client is clients[0]



def test_prepare_builds_the_client_the_requests_then_use(storage):
    bucket, made = storage
    bucket.prepare()  # what a start runs in a thread while it checks the database
    assert len(made) == 1
    client = bucket.client
    assert len(made) == 1 and bucket.client is client
