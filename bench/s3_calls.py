"""CPU per boto3 call of S3Storage's client (get_object, put_object, copy_object of ~1 KB),
against a SeaweedFS of its own: the three calls a confirm of a small image makes.

python -m bench.s3_calls [-n 150] [--rounds 9]

Prints µs CPU per call (median and min over rounds; process_time, this process only)
and the Python opcodes one call executes. Opcodes do not move with the machine's load,
so they show a lever's effect where µs on a shared 2-core machine are within noise;
C work (hashing, sockets) is not in them.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from imghost.services.storage.s3 import S3Storage
from imghost.settings import Settings
from tests.support.seaweed import BUCKET, start_seaweed

BODY = b"\x89PNG" + b"x" * 1020


def calls(storage: S3Storage) -> dict:
    client = storage.client

    def get() -> None:
        body = client.get_object(Bucket=BUCKET, Key="bench/src")["Body"]
        body.read()
        body.close()

    def copy() -> None:
        client.copy_object(Bucket=BUCKET, Key="bench/copy", MetadataDirective="REPLACE",
                           CopySource={"Bucket": BUCKET, "Key": "bench/src"},
                           ContentType="image/png", ContentDisposition="inline")

    return {"get": get, "put": lambda: storage.put("bench/put", BODY, "image/png"),
            "copy": copy}


def opcodes(call) -> int:
    count = 0

    def tracer(frame, event, _arg):
        nonlocal count
        frame.f_trace_opcodes = True
        count += event == "opcode"
        return tracer
    sys.settrace(tracer)
    try:
        call()
    finally:
        sys.settrace(None)
    return count


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.s3_calls")
    parser.add_argument("-n", type=int, default=150)
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    seaweed = start_seaweed()
    try:
        env = seaweed.env()
        storage = S3Storage(Settings(storage="s3", s3_endpoint_url=env["IMGHOST_S3_ENDPOINT_URL"],
                                     s3_bucket=BUCKET, s3_access_key_id=env["IMGHOST_S3_ACCESS_KEY_ID"],
                                     s3_secret_access_key=env["IMGHOST_S3_SECRET_ACCESS_KEY"],
                                     jwt_secret="x" * 40))
        storage.put("bench/src", BODY, "image/png")
        for name, call in calls(storage).items():
            for _ in range(30):
                call()
            spent = []
            for _ in range(args.rounds):
                began = time.process_time()
                for _ in range(args.n):
                    call()
                spent.append((time.process_time() - began) / args.n * 1e6)
            print(f"{name:5s} {statistics.median(spent):6.0f} µs CPU median {min(spent):6.0f} min "
                  f"{opcodes(call):7d} opcodes/call", flush=True)
    finally:
        seaweed.stop()


if __name__ == "__main__":
    main()
