"""Server CPU per request, endpoint by endpoint, against `python -m bench.serve` (quick A/B).

python -m bench.cpu [bare live me me_pat upload list1 page ...] [--seconds 4]

The same measure as `make bench` (CPU time of the server's process tree ÷ requests
under wrk), without the rest of the run: start bench.serve once, then run this before
and after a change (restart bench.serve in between). Endpoint names as bench.flame;
"bare" is the yardstick (bench.bare_app's route, started here on the same granian command),
so the ratios issue 17 sets can be read from one run.
"""

from __future__ import annotations

import argparse
import json

from bench.flame import requests_for
from bench.load import Request, run_wrk
from bench.process import wait_until_idle
from bench.run import ARTIFACTS

DEFAULT = ["live", "me", "me_pat", "upload", "list1", "page"]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.cpu")
    parser.add_argument("endpoints", nargs="*", default=DEFAULT)
    parser.add_argument("--seconds", type=float, default=4)
    args = parser.parse_args()
    info = json.loads((ARTIFACTS / "serve" / "info.json").read_text())
    out = ARTIFACTS / "cpu"
    out.mkdir(parents=True, exist_ok=True)
    for name in args.endpoints:
        if name == "bare":
            result = _bare(out, args.seconds)
        else:
            wait_until_idle(info["pid"])
            result = run_wrk(f"cpu-{name}", info["url"], requests_for(name, info),
                             out, duration_s=args.seconds, pid=info["pid"])
        print(f"{name:8s} {result.server_cpu_us:8.0f} µs/req {result.rps:8.0f} req/s "
              f"non-2xx {result.non_2xx}", flush=True)


def _bare(out, seconds: float):
    from bench.servers import BareApp

    bare = BareApp(out)
    try:
        wait_until_idle(bare.process.pid)
        return run_wrk("cpu-bare", bare.base_url, [Request("GET", "/api/health/live")], out,
                       duration_s=seconds, pid=bare.process.pid)
    finally:
        bare.stop()


if __name__ == "__main__":
    main()
