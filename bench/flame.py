"""py-spy flame graphs of the server worker while wrk drives one endpoint.

Needs `python -m bench.serve pg1` running (its info.json names the server, tokens and
cursor). The SVGs land in bench/profiles/<label>-<endpoint>.svg, to be committed
before and after a change.

python -m bench.flame before me list1 list200 upload live page [--seconds 8]

(page is the share page /i/{slug}; list200 the last page of 50 of the big user's 10,000.)
"""

from __future__ import annotations

import argparse
import json
import subprocess
import threading
from pathlib import Path

from bench.load import Request, run_wrk
from bench.process import tree
from bench.run import ARTIFACTS

PROFILES = Path(__file__).resolve().parent / "profiles"
BODY = '{"filename":"a.png","content_type":"image/png","size_bytes":1234}'


def requests_for(name: str, info: dict) -> list[Request]:
    tokens = info["tokens"]
    return {
        "live": [Request("GET", "/api/health/live")],
        "me": [Request("GET", "/api/auth/me", tokens["big"])],
        "me_pat": [Request("GET", "/api/auth/me", info.get("pat", ""))],
        "list1": [Request("GET", "/api/images/?limit=50", tokens["big"])],
        "list200": [Request("GET", f"/api/images/?limit=50&cursor={info.get('cursor', '')}",
                            tokens["big"])],
        "upload": [Request("POST", "/api/images/upload-url", tokens["uploader"], BODY)],
        "page": [Request("GET", f"/i/{info.get('slug', '')}")],
    }[name]


def worker_pid(server_pid: int) -> int:
    """granian's worker: the one process of the tree that is not granian's main."""
    members = [pid for pid in tree(server_pid) if pid != server_pid]
    return members[-1] if members else server_pid


def record(label: str, name: str, info: dict, seconds: float) -> Path:
    PROFILES.mkdir(exist_ok=True)
    svg = PROFILES / f"{label}-{name}.svg"
    spy = subprocess.Popen(["py-spy", "record", "--pid", str(worker_pid(info["pid"])),
                            "--duration", str(round(seconds)), "--rate", "250",
                            "--nonblocking", "--format", "flamegraph", "--output", str(svg)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    load = threading.Thread(target=run_wrk, args=(f"flame-{name}", info["url"],
                                                  requests_for(name, info),
                                                  ARTIFACTS / "flame"),
                            kwargs={"duration_s": seconds + 1})
    load.start()
    spy.wait()
    load.join()
    return svg


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.flame")
    parser.add_argument("label")
    parser.add_argument("endpoints", nargs="+")
    parser.add_argument("--seconds", type=float, default=8)
    args = parser.parse_args()
    info = json.loads((ARTIFACTS / "serve" / "info.json").read_text())
    for name in args.endpoints:
        print(record(args.label, name, info, args.seconds), flush=True)


if __name__ == "__main__":
    main()
