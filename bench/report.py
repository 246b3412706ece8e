"""BENCHMARKS.md: one table (targets first, then every measured figure), hardware, date, commands.

python -m bench.report test-artifacts/bench/<run> [--out BENCHMARKS.md]   writes the report
again from a run's saved figures (after its text changed), without measuring again.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import pickle
import platform
import subprocess
from dataclasses import dataclass
from pathlib import Path

from bench.load import CONNECTIONS, LoadResult

# The figures and facts of one `make bench` run, saved beside its raw output.
INPUTS = "report-inputs.pickle"

# The denominator of the throughput ratios; see "Which health" in the report.
HEALTH = "health"
ENDPOINTS = [
    ("health", "GET /api/health (database + storage check)"),
    ("health_live", "GET /api/health/live (liveness, no I/O)"),
    ("bare_fastapi", "bare FastAPI app, one async route, same granian command"),
    ("me", "GET /api/auth/me (login token)"),
    ("me_pat", "GET /api/auth/me (personal access token)"),
    ("image_page", "GET /i/{slug} (share page, anonymous)"),
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


# Issue 17's targets: server CPU per request (the process tree), one worker.
ISSUE_BARE_US = 87  # the bare FastAPI route's CPU per request where they were set
CPU_TARGETS = [
    ("me", "GET /api/auth/me, login token", 400),
    ("me_pat", "GET /api/auth/me, personal access token", 400),
    ("upload_url", "POST /api/images/upload-url", 600),
    ("list_page1", "GET /api/images/?limit=50, page 1", 1200),
    ("list_page200", "GET /api/images/?limit=50, page 200", 1200),
    ("confirm", "POST /api/images/confirm, small PNG", 5000),
    ("image_page", "GET /i/{slug} share page", 800),
]


def _cpu_of(results: dict[str, LoadResult], name: str) -> float | None:
    found = results.get(name)
    return found.server_cpu_us if found is not None else None


def target_rows(pg1: dict) -> list[Row]:
    results: dict[str, LoadResult] = pg1.get("results", {})
    rows: list[Row] = []

    def check(figure: str, value: float | None, target: str, ok, fmt: str = "{:.2f}",
              beside: str = "") -> None:
        if value is None:
            rows.append(Row(figure, "not measured", target, "no"))
        else:
            rows.append(Row(figure, fmt.format(value) + beside, target,
                            "yes" if ok(value) else "**no**"))

    def per_live(name: str) -> str:
        ratio = _ratio(results, name, "health_live")
        return f" ({ratio:.2f} × liveness req/s)" if ratio is not None else ""

    non_2xx = sum(r.non_2xx for r in results.values()) if results else None
    check("non-2xx responses under load (all runs of this configuration)", non_2xx, "0",
          lambda v: v == 0, "{:.0f}")
    live, bare = _cpu_of(results, "health_live"), _cpu_of(results, "bare_fastapi")
    check("/api/health/live server CPU ÷ bare FastAPI route's (same granian command)",
          live / bare if live and bare else None, "≤ 1.3", lambda v: v <= 1.3,
          beside=f" ({live:,.0f} µs vs {bare:,.0f} µs)" if live and bare else "")
    for name, figure, limit in CPU_TARGETS:
        # The targets are µs on the issue's machine, where the bare route cost
        # ISSUE_BARE_US; machines here differ up to 2x, so each is judged as that many
        # bare routes (measured in this run) and both figures are shown.
        multiple = limit / ISSUE_BARE_US
        cpu = _cpu_of(results, name)
        check(f"{figure}: server CPU per request", cpu / bare if cpu and bare else None,
              f"≤ {multiple:.1f} × bare ({limit:,} µs where bare was {ISSUE_BARE_US} µs)",
              lambda v, multiple=multiple: v <= multiple, "{:.1f} × bare",
              f" = {cpu:,.0f} µs{per_live(name)}" if cpu else "")
    check("list page 200 req/s ÷ list page 1 req/s", _ratio(results, "list_page200",
                                                             "list_page1"), "≥ 0.9",
          lambda v: v >= 0.9)
    during = results.get("health_during_login")
    check("health p99 while logins saturate bcrypt", during.p99_ms if during else None,
          "< 50 ms", lambda v: v < 50, "{:.1f} ms")
    check("server RSS after the whole run", pg1.get("rss_after_mib"), "≤ 300 MB",
          lambda v: v * 1.048576 <= 300, "{:.0f} MiB")
    check("restart to first 200 on /api/health (prebuilt frontend)",
          pg1.get("cold_start_s"), "≤ 1.0 s", lambda v: v <= 1.0, "{:.2f} s")
    return rows


def _load_value(result: LoadResult) -> str:
    text = (f"{result.rps:,.0f} req/s · p50 {result.p50_ms:.1f} ms · p99 {result.p99_ms:.1f} ms"
            f" · {result.non_2xx} non-2xx")
    if result.server_cpu_us is not None:
        text += f" · server CPU {result.server_cpu_us:,.0f} µs/req"
    if result.exhausted_threads:
        text += " · ran out of prepared keys"
    return text


def _restart_value(facts: dict) -> str:
    """The median restart, its runs, the server's CPU by its first 200 and how quiet the
    machine was (older result files hold the single restart only)."""
    text = f"{facts['cold_start_s']:.2f} s"
    if "cold_start_runs_s" in facts:
        waited, busy = facts["cold_start_quiet"]
        runs = ", ".join(f"{s:.2f}" for s in facts["cold_start_runs_s"])
        text += (f" (median of {runs}; server CPU {facts['cold_start_cpu_s']:.2f} s; "
                 f"machine {busy:.0%} busy after waiting {waited:.0f} s for quiet)")
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
                        f"{facts['first_start_s']:.2f} s / {_restart_value(facts)}"))
        gallery = facts.get("gallery")
        if gallery is not None:
            if "skipped" in gallery:
                rows.append(Row(f"[{label}] gallery time to first thumbnails (Chromium)",
                                f"not measured: {gallery['skipped']}"))
            else:
                rows.append(Row(f"[{label}] gallery time to first thumbnails (Chromium)",
                                gallery["summary"]))
        scroll = facts.get("gallery_scroll")
        if scroll is not None:
            figure = f"[{label}] gallery scrolled to the end of 10,000 images (Chromium)"
            if "skipped" in scroll:
                rows.append(Row(figure, f"not measured: {scroll['skipped']}"))
            else:
                rows.append(Row(figure, scroll["summary"],
                                "last 5 pages ≤ 1.3 × first 5; DOM bounded",
                                "yes" if scroll["met"] else "**no**"))
    return rows


def first_run_rows(first_run: dict | None) -> list[Row]:
    """bench.first_run: `make run` on a fresh clone, nothing cached, system node hidden."""
    if first_run is None:
        return []
    figure = ("first `make run` on a fresh clone to the first page, empty pip/uv/npm caches, "
              "system node hidden")
    if "error" in first_run:
        return [Row(figure, f"failed: {first_run['error']}", "≤ 90 s", "**no**")]
    steps = ", ".join(f"{step} began at {at:.0f} s"
                      for step, at in first_run["steps_began_s"].items())
    return [Row(figure, f"{first_run['seconds']:.1f} s ({steps})", "≤ 90 s",
                "yes" if first_run["seconds"] <= 90 else "**no**")]


def hardware() -> str:
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
          thumbnails: str | None, slow_confirms: str | None = None,
          first_run: dict | None = None, hardware: str) -> None:
    rows = target_rows(configs.get("pg1", {})) + first_run_rows(first_run) + figure_rows(configs)
    table = ["| figure | value | target | met? |", "|---|---|---|---|"]
    table += [f"| {r.figure} | {r.value} | {r.target} | {r.met} |" for r in rows]
    text = f"""# imghost benchmarks

Written by `make bench` ({elapsed_s / 60:.1f} min for this run). The targets of issue 17 are
server CPU per request (and ratios) within this one run, taken on the **1 worker, PostgreSQL + SeaweedFS**
configuration, because these shared machines are noisy; the absolute numbers are for
comparison between runs on the same machine only. The issue set its CPU targets in µs
on a machine where the bare FastAPI route cost {ISSUE_BARE_US} µs; the machines these runs get
differ by up to 2x, so each target is judged as that many bare routes measured in the
same run ("× bare"), with the µs beside it.

- **Date:** {stamp.strftime("%Y-%m-%d %H:%M UTC")}
- **Hardware:** {hardware}
- **Machine load** (1/5/15-min load average) before the run {_load(load_before)},
  after {_load(load_after)}: other engineers' test runs share these 2 cores.
- **Load:** wrk, {CONNECTIONS} connections, 2 threads, {duration_s:g} s per endpoint over
  loopback (health during logins: 4 connections for 5 s while 32 connections log in).
  Every endpoint whose ratio is a target (health, health/live, me, me with a PAT, the
  share page, list pages 1 and 200, upload-url) runs in one alternation with the bare
  app, three runs of a third each, summed, so a burst of the neighbours' load (or a
  quiet minute) lands on both sides of each ratio; confirm, delete and login, which use
  up their data, run alone, each once the server is idle again (thumbnails of
  confirmed uploads, queued logins).
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
{_analysis(configs.get("pg1", {}), configs.get("embedded", {}))}
{_thumbnails_section(thumbnails)}{_slow_confirms_section(slow_confirms)}
## Reproduce

```
make bench                                   # installs wrk if missing, writes BENCHMARKS.md
.venv/bin/python -m bench --duration 10      # longer runs
.venv/bin/python -m bench --only pg1         # one configuration
.venv/bin/python -m bench.slow_confirms      # /api/auth/me during ten 20 MB confirms, alone
.venv/bin/python -m bench.first_run          # make run on a fresh clone, nothing cached
.venv/bin/python -m bench.report test-artifacts/bench/<run>   # this file again from a run's figures
```

Raw wrk output, request files and server logs land in `test-artifacts/bench/<date>/`.
"""
    path.write_text(text)


def _load(values: tuple) -> str:
    return " / ".join(f"{v:.2f}" for v in values)


def _slow_confirms_section(output: str | None) -> str:
    if output is None:
        return ""
    return ("\n## /api/auth/me during slow confirms (bench/slow_confirms.py)\n\n"
            f"```\n{output}\n```\n")


def _thumbnails_section(output: str | None) -> str:
    if output is None:
        return ""
    return f"\n## Thumbnails (bench/thumbnails.py)\n\n```\n{output}\n```\n"


def _cpu(results: dict[str, LoadResult], name: str) -> str:
    found = results.get(name)
    if found is None or found.server_cpu_us is None:
        return "?"
    return f"{found.server_cpu_us:,.0f} µs"


def _login_note(results: dict[str, LoadResult]) -> str:
    during = results.get("health_during_login")
    if during is None or during.p99_ms < 50:
        return ""
    return ("- **Health p99 while logins saturate bcrypt** was above 50 ms in this run: the 2\n"
            "  cores are shared with PostgreSQL, SeaweedFS, wrk and other people's test runs\n"
            "  (see the load average); the hashing threads are niced, the neighbours are not.\n")


def _analysis(pg1: dict, embedded: dict) -> str:
    r: dict[str, LoadResult] = pg1.get("results", {})
    return f"""
## Which "health"

`/api/health/live` (no I/O) is the yardstick of issue 17: its server CPU is compared
with the bare FastAPI route's, and each target row shows its req/s ÷ liveness req/s.
`GET /api/health` (database and storage readiness) answers every probe within 0.1 s
of one real check, so probes cannot become load.

## Levers applied (one commit each, before/after in the commit message)

Flame graphs (py-spy, worker under wrk, `python -m bench.flame`) are in
`bench/profiles/`: `before-*.svg` and `after-*.svg` (round 1), `round2-*.svg`,
`round3-*.svg` (me, me_pat, live after the common-path levers), `round4-*.svg`
(me, list pages 1 and 200, before and after round 4), `round6-*.svg` (me, upload-url
and list page 1 as the code stands after round 5).

{_levers()}

## What is left in each figure, and why it stays

Server CPU per request in this run (the process tree, user + system): health/live
{_cpu(r, "health_live")}, bare FastAPI {_cpu(r, "bare_fastapi")}, me {_cpu(r, "me")}
(PAT {_cpu(r, "me_pat")}), upload-url {_cpu(r, "upload_url")}, list page 1
{_cpu(r, "list_page1")}, confirm {_cpu(r, "confirm")}, share page {_cpu(r, "image_page")}.

- **The yardstick moves more than our endpoints.** Two committed runs of the same
  code, on two machines of this kind (two sessions, 2 vCPU each: an AMD EPYC, then an
  Intel Xeon): the bare route cost 94 µs (2026-11-29 22:33) and 185 µs
  (2026-11-30 00:07), but me 436 and 756 µs, upload-url 773 and 1,040 µs, confirm
  9,802 and 12,743 µs. So me went from 4.6 × to 4.1 × bare and upload-url from 8.2 × to
  5.6 × with our code unchanged. (Not measured, but likely: a bare route's cost is
  almost all per-request work in the kernel and granian, sockets and wake-ups, which
  swings more with the machine, its CPU and its neighbours' load, than the Python our
  endpoints run.) A target within ~15% of its line is met in one run and
  missed in the next; the µs beside each ratio are the figure to compare on one
  machine.
- **Liveness** is answered at the edge (`api/direct.py`, byte for byte what the
  FastAPI route answers), as probes usually are; every other endpoint, /me included,
  goes through FastAPI's routing, so their figures are what any endpoint pays.
- **me (login token and PAT).** Where its CPU goes, one request at a time in-process
  (`bench.inproc me -c 1` under py-spy `--gil`): about two thirds on the event loop
  (the middleware, FastAPI's route matching and dependency solving, serializing the
  answer, the access line and metrics), one third on the database thread (the pool's
  check-out and check-in are a fifth of that; the token check's statement; building
  the User). The statement itself, run on a bare psycopg2 cursor in a loop, costs
  61-83 µs of CPU, about an eighth of /me. Caching the token's user would save it and
  the thread hop, but /me answers the user's live image count and stored bytes, which
  every confirm and delete on any worker changes, and a revoked session must be
  refused at once on every worker: the one read per request keeps both exact. The
  largest items left: FastAPI's dependency solving ~13% of the request, the access
  line and metrics ~12%. Reading the bearer token in the route instead of as a FastAPI
  security dependency runs 10.6% fewer opcodes on the event loop (6,895 → 6,167 per
  /me, round 6), about 5-7% of its CPU; it is not taken, because a route with a body
  would then check the body before the token (a caller without one would learn what
  the body lacks) and each route would declare its security for the docs by hand.
- **upload-url** is /me's path plus the JSON body, our SigV4 presigner (~15-50 µs) and
  the grant's INSERT … SELECT on the driver's cursor (~300 µs, round 4). The sum of
  the uploader's open grants in that statement costs PostgreSQL's time, not the
  server's CPU (round 6, in-process, the same endpoint with the quota off, a plain
  INSERT, and on, with grants piling up: 1,053-1,168 and 1,072-1,403 µs of CPU, but
  790-867 and 176-297 req/s). With the default limits a user holds at most 1,800
  open grants (120 starts a minute, URLs live 15 minutes), a sum over at most 1,800
  entries of an index that includes size_bytes; the bench's tens of thousands come
  from its limits being off. A maintained pending-bytes counter would not lower this
  figure, so it is not built.
- **confirm** is the one target no run has met. boto3's three calls (read the staging
  object, copy it to the image's key pinned to its ETag, write the thumbnail) cost
  1,621-1,711 µs of CPU each, measured ten minutes before the 00:07 run on its
  machine (`bench.s3_calls`, medians; 38,500-40,100 Python opcodes per call): ~4.9 ms,
  26 × that run's bare route, before the request is read. Where a GetObject's time
  goes besides the wait for the store (cProfile of 300): urllib3 and http.client ~30%,
  signing ~15%, parsing the answer ~12%, resolving the endpoint ~8%, botocore's other
  event handlers ~8%, validating and serializing the call ~5%, the rest botocore's
  glue — no single lever, and the client is the design card's choice. The rest of
  confirm is spread (py-spy `--gil`, in-process, round 6): the database ~17% over its
  ten statements (token, claim, grant, check, image INSERT … RETURNING, quota charge,
  grant DELETE, release, two commits), the ASGI path ~16%, our image checks ~5%, the
  blurhash ~4%, PIL ~3%.{_without_boto3(r, embedded)}
  57.5 × bare needs a cheaper S3 client than boto3 or fewer object writes per upload;
  the staging copy stays, because the upload URL stays valid after confirm and must
  never point at the key an image is served from.
- **Restart** is timed on a quiet machine since round 5 (median of three, the CPU of
  the server's processes by its first 200 beside it): {_restart_cpu(pg1)} of CPU
  before the first 200 in this run (0.86 s, 0.90 s to the first 200, in the session
  before's 22:33 run): granian's main process ~0.09 s, then in the worker the API's
  libraries (SQLAlchemy ~0.16 s, FastAPI with pydantic ~0.2 s, SQLModel, our models
  and routes ~0.12 s, others ~0.1 s) and boto3's client (~0.1 s, built in a thread
  while the database is checked). Reflex is not imported before the API answers. A
  start is CPU-bound, so its seconds follow the machine's speed; cutting it further
  would change what /api/health means (checking the store without boto3, or
  answering before the routes are loaded).
{_login_note(r)}"""


# What was changed for issues 7 and 17 and what each change measured (see the commits).
LEVERS = [
    ('issue 17: one edge middleware (request id, security headers, log, metrics); '
     'request ids from a per-process prefix and a counter; cached Prometheus children',
     'in-process /api/health/live 115 → 105 µs CPU'),
    ('issue 17: routers included in order of traffic (health, auth, images, pages first)',
     'in-process /api/health/live 106 → 62 µs CPU (route matching was 24% of it)'),
    ('issue 17: no pool pre-ping per checkout; ping only after 10 s idle, repeat the token '
     'check once on a dead connection', 'one round trip fewer per request; me ~−8% CPU'),
    ('issue 17: quota pre-check as one Core statement (none without a quota), grant as a '
     'Core insert', 'uploads.start 2,490 → 1,680 µs CPU in-process'),
    ('health routes async; one readiness check shared by all probes within 0.1 s',
     '/api/health 329 → 3,080 req/s (server CPU 2,097 → 190 µs/req)'),
    ('bcrypt on its own niced threads, one per core, instead of the 40-thread pool',
     'health while 32 clients log in: 0 answers in 5 s → p99 29-34 ms'),
    ('token check: Core select instead of `Session.get`',
     'me: −13% CPU per request (A/B in one process)'),
    ('hot routes async with one thread hop (`deps.as_user`) instead of 4-6 hops',
     'me ~1,630 → ~1,120 µs CPU, list ~5,900 → ~4,600 µs'),
    ('listing: Core rows instead of 51 ORM instances',
     'list page: −15% CPU per request'),
    ('SigV4 presigner, byte-identical to boto3 (tests/unit/test_presign.py)',
     '203-235 → 15 µs CPU per upload URL'),
    ('probes answered from a result < 0.2 s old while a check runs',
     '/api/health p99 103 → 32-45 ms under 32 connections'),
    ('database work on at most `POOL_SIZE` threads',
     'no more overflow connections (~45 PostgreSQL connects/s under load → 0); me 523 → 624 req/s'),
    ('listing: user as a one-value range ordered by (user_id, id), so every page walks '
     'the composite index',
     'last page: PostgreSQL no longer scans the rest of the table (3,015 rows, 0.34-0.54 ms '
     '→ 0.09 ms); page 200 / page 1 0.81 → ~1.0'),
    ('bench: `ANALYZE` after the bulk seed (what autovacuum does within a minute)',
     'without statistics PostgreSQL bitmap-scanned all 10,000 rows per page (3.3 ms)'),
    ('round 2: pure-ASGI CORS, verified JWT claims cached per process (expiry checked per '
     'use), `@reads_only` actions on an autocommit pool, thread lanes, no runtime dependency',
     'me ~2,200 → ~1,000 µs, page 2,945 → 896 µs (bench.cpu, one machine)'),
    ('round 2: list rows → ImagePublic by position, statements per shape; share pages '
     'cached per row version; confirm: one GET, claim first, Core statements',
     'list1 6,684 → 2,272 µs; confirm ~−40%'),
    ('round 3: liveness answered at the edge (api/direct.py); FastAPI OpenTelemetry hooks off',
     'live 1.7 → 0.5 × bare'),
    ('round 3: thread lanes settle the caller\'s future directly; ReadSession (no ORM Session '
     'unless asked); the token check on the connection\'s own cursor; /me serialized once',
     'one hop 55-86 → 23-34 µs; token check 300 → 185 µs; me 5.6-6.4 → 2.5-3.3 × bare '
     '(with /me direct, bench.cpu, alternated)'),
    ('round 3: staging deletes batched after the answer; thumbnails from confirm\'s bytes, '
     'small ones made inside confirm; upload start as one INSERT … SELECT',
     'confirm 123-139 → 93-100 × bare; upload-url 13.9 → 12.3 × bare'),
    ('round 3: boto3 client: timestamps without dateutil, Expect only for PUTs > 1 MiB, '
     'checksums when required', 'opcodes per get+put+copy −13.4%; get 2,677 → 1,953 µs'),
    ('round 3: restart: boto3 client made in a thread during the start, one OpenAPI field per '
     'error model, Jinja2 on first use, the app byte-compiled at build',
     'factory CPU 1.56-2.13 → 1.06-1.49 s'),
    ('round 3: make run: requirements by uv, Node from PyPI',
     'scripts/install.sh on a fresh clone 107 → 23 s; first page 48-85 s'),
    ('round 4: autocommit pool without reset-on-return; thread lanes wake the loop once per '
     'batch of finished calls; the API\'s routes on the app itself (not included routers)',
     'me 4.5-5.0 → 3.5-4.1 × bare, PAT 4.5-5.0 → 3.6-3.8 × (two servers A/B, alternated)'),
    ('round 4: list page total in the page\'s own statement, its rows from psycopg2\'s cursor, '
     'URLs joined to a prefix; young-generation gc threshold 700 → 7,000; SQLite seeks on '
     'user_id = X', 'list page 1 14.1 → 11.6 × bare, page 200 15.2 → 11.4 × (A/B); collector '
     'CPU ~130 → 1.5 µs per list request'),
    ('round 4: the grant INSERT on psycopg2\'s cursor; upload-url\'s answer serialized once',
     'grant INSERT 512-680 → 298-396 µs; upload-url ~−10% CPU (paired runs)'),
    ('round 5: confirm\'s statements (grant, image INSERT … RETURNING, quota charge, grant '
     'DELETE) and its claim\'s take / check / release on psycopg2\'s cursor; confirm on a '
     'CoreSession (its transaction without an ORM Session)',
     'confirm 8,944 → 8,227 µs in-process, 10,167 → 9,220 µs over HTTP (A/B medians)'),
    ('round 5: bench: restarts timed on a quiet machine, median of three, with the '
     'server\'s CPU by its first 200', 'the same start: 2.20 s right after the load run '
     '(load 1.5-4.8), 0.86-0.90 s quiet, for 0.82-0.86 s of server CPU'),
]


def _without_boto3(pg1_results: dict[str, LoadResult], embedded: dict) -> str:
    """Confirm on the embedded defaults (local disk: the same confirm without boto3) as a
    multiple of this run's bare route, or nothing when either was not measured."""
    bare = pg1_results.get("bare_fastapi")
    confirm = embedded.get("results", {}).get("confirm")
    if not bare or not confirm or not bare.server_cpu_us or not confirm.server_cpu_us:
        return ""
    return (f"\n  The same confirm on the embedded defaults (SQLite and local disk: no boto3)"
            f"\n  cost {confirm.server_cpu_us:,.0f} µs in this run, "
            f"{confirm.server_cpu_us / bare.server_cpu_us:.1f} × bare.")


def _restart_cpu(pg1: dict) -> str:
    cpu = pg1.get("cold_start_cpu_s")
    return f"{cpu:.2f} s" if cpu is not None else "~0.85 s"


def _levers() -> str:
    lines = ["| lever | measured effect |", "|---|---|"]
    return "\n".join(lines + [f"| {lever} | {effect} |" for lever, effect in LEVERS])


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.report")
    parser.add_argument("run", help="a run's directory under test-artifacts/bench/")
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent.parent
                                             / "BENCHMARKS.md"))
    args = parser.parse_args()
    # A file bench.run wrote on this machine, never one from elsewhere.
    inputs = pickle.loads((Path(args.run) / INPUTS).read_bytes())  # noqa: S301
    write(Path(args.out), **inputs)
    print(f"wrote {args.out} from {args.run}")


if __name__ == "__main__":
    main()
