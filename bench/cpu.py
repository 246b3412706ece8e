"""Server CPU per request, endpoint by endpoint, against `python -m bench.serve` (quick A/B).

python -m bench.cpu [live me me_pat upload list1 page ...] [--seconds 4]

The same measure as `make bench` (CPU time of the server's process tree ÷ requests
under wrk), without the rest of the run: start bench.serve once, then run this before
and after a change (restart bench.serve in between). Endpoint names as bench.flame.
"""

from __future__ import annotations

import argparse
import json

from bench.flame import requests_for
from bench.load import run_wrk
from bench.process import wait_until_idle
from bench.run import ARTIFACTS

DEFAULT = ["live", "me", "me_pat", "upload", "list1", "page"]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.cpu")
    parser.add_argument("endpoints", nargs="*", default=DEFAULT)
    parser.add_argument("--seconds", type=float, default=4)
    args = parser.parse_args()
    info = json.loads((ARTIFACTS / "serve" / "info.json").read_text())
    for name in args.endpoints:
        wait_until_idle(info["pid"])
        result = run_wrk(f"cpu-{name}", info["url"], requests_for(name, info),
                         ARTIFACTS / "cpu", duration_s=args.seconds, pid=info["pid"])
        print(f"{name:8s} {result.server_cpu_us:8.0f} µs/req {result.rps:8.0f} req/s "
              f"non-2xx {result.non_2xx}", flush=True)


if __name__ == "__main__":
    main()
