"""BENCHMARKS.md: one table (targets first, then every measured figure), hardware, date, commands."""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
from dataclasses import dataclass
from pathlib import Path

from bench.load import CONNECTIONS, LoadResult

# The denominator of the throughput ratios; see "Which health" in the report.
HEALTH = "health"
ENDPOINTS = [
    ("health", "GET /api/health (database + storage check)"),
    ("health_live", "GET /api/health/live (liveness, no I/O)"),
    ("bare_fastapi", "bare FastAPI app, one async route, same granian command"),
    ("me", "GET /api/auth/me"),
    ("list_page1", "GET /api/images/?limit=50 (page 1 of 200)"),
    ("list_page200", "GET /api/images/?limit=50&cursor=… (page 200)"),
    ("upload_url", "POST /api/images/upload-url"),
    ("confirm", "POST /api/images/confirm (object PUT beforehand)"),
    ("delete", "DELETE /api/images/{id}"),
    ("login", "POST /api/auth/login (bcrypt cost 12), 10 s, health probed meanwhile"),
    ("health_during_login", "GET /api/health, 4 connections, while logins saturate bcrypt"),
]
CONFIG_LABELS = {
    "pg1": "1 worker, PostgreSQL + SeaweedFS",
    "redis": "{workers} workers + Redis, PostgreSQL + SeaweedFS",
    "embedded": "embedded defaults (SQLite + local disk), 1 worker",
}


@dataclass
class Row:
    figure: str
    value: str
    target: str = "—"
    met: str = ""


def _ratio(results: dict[str, LoadResult], top: str, bottom: str) -> float | None:
    if top not in results or bottom not in results or not results[bottom].rps:
        return None
    return results[top].rps / results[bottom].rps


def target_rows(pg1: dict) -> list[Row]:
    results: dict[str, LoadResult] = pg1.get("results", {})
    rows: list[Row] = []

    def check(figure: str, value: float | None, target: str, ok, fmt: str = "{:.2f}") -> None:
        if value is None:
            rows.append(Row(figure, "not measured", target, "no"))
        else:
            rows.append(Row(figure, fmt.format(value), target, "yes" if ok(value) else "**no**"))

    non_2xx = sum(r.non_2xx for r in results.values()) if results else None
    check("non-2xx responses under load (all runs of this configuration)", non_2xx, "0",
          lambda v: v == 0, "{:.0f}")
    check("upload-url req/s ÷ health req/s", _ratio(results, "upload_url", HEALTH), "≥ 0.5",
          lambda v: v >= 0.5)
    check("me req/s ÷ health req/s", _ratio(results, "me", HEALTH), "≥ 0.6", lambda v: v >= 0.6)
    check("list page 1 req/s ÷ health req/s", _ratio(results, "list_page1", HEALTH), "≥ 0.25",
          lambda v: v >= 0.25)
    check("list page 200 req/s ÷ list page 1 req/s", _ratio(results, "list_page200",
                                                             "list_page1"), "≥ 0.9",
          lambda v: v >= 0.9)
    check("health req/s ÷ bare FastAPI req/s (same granian command)",
          _ratio(results, HEALTH, "bare_fastapi"), "≥ 0.7", lambda v: v >= 0.7)
    during = results.get("health_during_login")
    check("health p99 while logins saturate bcrypt", during.p99_ms if during else None,
          "< 50 ms", lambda v: v < 50, "{:.1f} ms")
    check("server RSS after the whole run", pg1.get("rss_after_mib"), "≤ 300 MB",
          lambda v: v * 1.048576 <= 300, "{:.0f} MiB")
    check("cold start with prebuilt frontend (restart to first 200 on /api/health)",
          pg1.get("cold_start_s"), "≤ 5 s", lambda v: v <= 5, "{:.2f} s")
    return rows


def _load_value(result: LoadResult) -> str:
    text = (f"{result.rps:,.0f} req/s · p50 {result.p50_ms:.1f} ms · p99 {result.p99_ms:.1f} ms"
            f" · {result.non_2xx} non-2xx")
    if result.exhausted_threads:
        text += " · ran out of prepared keys"
    return text


def figure_rows(configs: dict[str, dict]) -> list[Row]:
    rows: list[Row] = []
    for name, facts in configs.items():
        label = CONFIG_LABELS[name].format(workers=facts["workers"])
        results: dict[str, LoadResult] = facts.get("results", {})
        for key, description in ENDPOINTS:
            if key in results:
                rows.append(Row(f"[{label}] {description}", _load_value(results[key])))
        rows.append(Row(f"[{label}] server RSS idle → after the run",
                        f"{facts['rss_idle_mib']:.0f} MiB → {facts['rss_after_mib']:.0f} MiB"))
        rows.append(Row(f"[{label}] first start on an empty database (migrations) / restart",
                        f"{facts['first_start_s']:.2f} s / {facts['cold_start_s']:.2f} s"))
        gallery = facts.get("gallery")
        if gallery is not None:
            if "skipped" in gallery:
                rows.append(Row(f"[{label}] gallery time to first thumbnails (Chromium)",
                                f"not measured: {gallery['skipped']}"))
            else:
                rows.append(Row(f"[{label}] gallery time to first thumbnails (Chromium)",
                                gallery["summary"]))
    return rows


def _hardware() -> str:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kib = int(next(ln for ln in Path("/proc/meminfo").read_text().splitlines()
                       if ln.startswith("MemTotal")).split()[1])
    versions = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout
    wrk = versions.splitlines()[0].split("[")[0].strip() if versions else "wrk"
    return (f"{os.cpu_count()} vCPU ({cpu}), {mem_kib / 1024 / 1024:.1f} GiB RAM, "
            f"{platform.system()} {platform.release()}, Python {platform.python_version()}, "
            f"{wrk}; server, PostgreSQL, SeaweedFS and wrk share the machine (loopback)")


def write(path: Path, configs: dict[str, dict], *, stamp: dt.datetime, elapsed_s: float,
          build_s: float, load_before: tuple, load_after: tuple, duration_s: float,
          thumbnails: str | None) -> None:
    rows = target_rows(configs.get("pg1", {})) + figure_rows(configs)
    table = ["| figure | value | target | met? |", "|---|---|---|---|"]
    table += [f"| {r.figure} | {r.value} | {r.target} | {r.met} |" for r in rows]
    text = f"""# imghost benchmarks

Written by `make bench` ({elapsed_s / 60:.1f} min for this run). The targets of issue 7 are
ratios within this one run, taken on the **1 worker, PostgreSQL + SeaweedFS**
configuration, because these shared machines are noisy; the absolute numbers are for
comparison between runs on the same machine only.

- **Date:** {stamp.strftime("%Y-%m-%d %H:%M UTC")}
- **Hardware:** {_hardware()}
- **Machine load** (1/5/15-min load average) before the run {_load(load_before)},
  after {_load(load_after)}: other engineers' test runs share these 2 cores.
- **Load:** wrk, {CONNECTIONS} connections, 2 threads, {duration_s:g} s per endpoint over
  loopback (health during logins: 4 connections for 5 s while 32 connections log in).
  Rate limits are switched off for the run (`IMGHOST_RATE_LIMIT_ENABLED=false`): the
  bench logs in thousands of times from one address and would measure the limiter.
- **Data:** one user with 10,000 images (page 200 of 50 is the last page), three users
  with 5, a delete-fodder user with 3,000 rows, all by direct inserts; confirm uses
  1,200 objects really PUT to the store through presigned URLs just before its run.
- The frontend build for the bench port took {build_s:.1f} s (skipped when unchanged).

{chr(10).join(table)}

Non-2xx counts every answer outside 2xx plus every request that got no answer
(timeouts, resets). Login is bcrypt at cost 12 on purpose: its throughput is bounded
by the cores (about 4 hashes per second per core), and the figure that matters is
that it does not stall other requests (the health p99 row).
{_thumbnails_section(thumbnails)}
## Reproduce

```
make bench                                   # installs wrk if missing, writes BENCHMARKS.md
.venv/bin/python -m bench --duration 10      # longer runs
.venv/bin/python -m bench --only pg1         # one configuration
```

Raw wrk output, request files and server logs land in `test-artifacts/bench/<date>/`.
"""
    path.write_text(text)


def _load(values: tuple) -> str:
    return " / ".join(f"{v:.2f}" for v in values)


def _thumbnails_section(output: str | None) -> str:
    if output is None:
        return ""
    return f"\n## Thumbnails (bench/thumbnails.py)\n\n```\n{output}\n```\n"
