"""The endpoint runs against one running server: what each one sends and in what order."""

from __future__ import annotations

import functools
import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import httpx
from sqlalchemy import create_engine, select

from bench import load
from bench.load import LoadResult, Request
from bench.load import run_wrk as wrk
from bench.process import wait_until_idle
from bench.seed import PASSWORD, SeededUser
from imghost.models import Image

PAGE = 50
DEEP_PAGE = 200
# Enough fresh keys that a fast confirm/delete run never runs dry inside its duration.
CONFIRM_OBJECTS = 1200


def _small_png() -> bytes:
    """A real (decodable) image: confirm's pipeline refuses anything else."""
    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (64, 48), (200, 60, 40)).save(buffer, "PNG")
    return buffer.getvalue()


SMALL_PNG = _small_png()


@dataclass
class Target:
    """A running server and the database it uses (for seeding and fodder lookups)."""

    base_url: str
    database_url: str
    users: dict[str, SeededUser]
    work_dir: Path
    # The bare FastAPI yardstick, measured right after imghost's health (same conditions).
    bare_url: str | None = None
    # The server's process id: each run starts once the previous one's background work
    # (thumbnails of confirmed uploads, abandoned logins) is done.
    pid: int | None = None
    bare_pid: int | None = None


def login(client: httpx.Client, username: str) -> str:
    reply = client.post("/api/auth/login", json={"username": username, "password": PASSWORD})
    reply.raise_for_status()
    return reply.json()["access_token"]


def personal_token(client: httpx.Client, login_token: str) -> str:
    """An API token (imghost_pat_...) that may read: /api/auth/me with a PAT."""
    reply = client.post("/api/tokens", json={"name": "bench", "scopes": ["images:read"]},
                        headers={"Authorization": f"Bearer {login_token}"})
    reply.raise_for_status()
    return reply.json()["token"]


def token_for(base_url: str, username: str) -> str:
    with httpx.Client(base_url=base_url, timeout=60) as client:
        return login(client, username)


def _json(data: dict) -> str:
    return json.dumps(data, separators=(",", ":"))


def deep_cursor(client: httpx.Client, token: str, page: int) -> str:
    """Walk the pages as a client would, to get the cursor of page `page`."""
    cursor = None
    headers = {"Authorization": f"Bearer {token}"}
    for _ in range(page - 1):
        params = {"limit": PAGE, **({"cursor": cursor} if cursor else {})}
        reply = client.get("/api/images/", params=params, headers=headers)
        reply.raise_for_status()
        cursor = reply.json()["next_cursor"]
        if cursor is None:
            raise RuntimeError(f"fewer than {page} pages to walk")
    return cursor


def prepare_uploads(client: httpx.Client, token: str, count: int) -> list[str]:
    """Grant and really PUT `count` objects, so every confirm under load finds its object."""
    headers = {"Authorization": f"Bearer {token}"}
    body = {"filename": "bench.png", "content_type": "image/png", "size_bytes": len(SMALL_PNG)}

    def one(_: int) -> str:
        grant = client.post("/api/images/upload-url", json=body, headers=headers)
        grant.raise_for_status()
        grant = grant.json()
        stored = httpx.request(grant["method"], grant["upload_url"], content=SMALL_PNG,
                               headers=grant["headers"], timeout=30)
        stored.raise_for_status()
        return grant["r2_key"]

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(one, range(count)))


def image_ids(database_url: str, user_id: int) -> list[int]:
    engine = create_engine(database_url)
    with engine.connect() as connection:
        ids = list(connection.execute(select(Image.__table__.c.id)
                                      .where(Image.__table__.c.user_id == user_id)
                                      .order_by(Image.__table__.c.id.desc())).scalars())
    engine.dispose()
    return ids


def image_slug(database_url: str, user_id: int) -> str:
    """The slug of one of the user's images: its page /i/{slug} is what shared links hit."""
    engine = create_engine(database_url)
    with engine.connect() as connection:
        slug = connection.execute(select(Image.__table__.c.slug)
                                  .where(Image.__table__.c.user_id == user_id).limit(1)).scalar_one()
    engine.dispose()
    return slug


def run_all(target: Target, log=print) -> dict[str, LoadResult]:
    """Every endpoint under load, read-only ones first, then the ones that change data."""
    results: dict[str, LoadResult] = {}
    url, out = target.base_url, target.work_dir
    run_wrk = functools.partial(wrk, pid=target.pid)

    def record(result: LoadResult) -> None:
        if target.pid:
            wait_until_idle(target.pid)
        results[result.name] = result
        log(f"  {result.name:<22} {result.rps:8.1f} req/s  p50 {result.p50_ms:7.2f} ms  "
            f"p99 {result.p99_ms:8.2f} ms  non-2xx {result.non_2xx}"
            + (f"  (ran out of keys in {result.exhausted_threads} thread(s))"
               if result.exhausted_threads else ""))

    with httpx.Client(base_url=url, timeout=60) as client:
        tokens = {role: login(client, user.username) for role, user in target.users.items()}
        big, uploader = tokens["big"], tokens["uploader"]
        cursor = deep_cursor(client, big, DEEP_PAGE)

        pat = personal_token(client, big)
        # The share page, anonymous as a chat unfurler or a visitor fetches it.
        slug = image_slug(target.database_url, target.users["big"].id)
        # Every endpoint whose ratio to the bare route is a target runs in one alternation
        # with it (three runs of a third each, summed): a neighbour's burst of load, or a
        # quieter minute, lands on both sides of a ratio, not on one endpoint only.
        ratios = [
            ("health", url, [Request("GET", "/api/health")], target.pid),
            ("health_live", url, [Request("GET", "/api/health/live")], target.pid),
        ]
        if target.bare_url:
            ratios.append(("bare_fastapi", target.bare_url,
                           [Request("GET", "/api/health/live")], target.bare_pid))
        ratios += [
            ("me", url, [Request("GET", "/api/auth/me", big)], target.pid),
            ("me_pat", url, [Request("GET", "/api/auth/me", pat)], target.pid),
            ("image_page", url, [Request("GET", f"/i/{slug}")], target.pid),
            ("list_page1", url, [Request("GET", f"/api/images/?limit={PAGE}", big)], target.pid),
            ("list_page200", url, [Request("GET", f"/api/images/?limit={PAGE}&cursor={cursor}",
                                           big)], target.pid),
            ("upload_url", url, [Request("POST", "/api/images/upload-url", uploader,
                                         _json({"filename": "cat.png",
                                                "content_type": "image/png",
                                                "size_bytes": 123_456}))], target.pid),
        ]
        alternate(ratios, out, record)

        keys = prepare_uploads(client, uploader, CONFIRM_OBJECTS)
        record(run_wrk("confirm", url, [Request("POST", "/api/images/confirm", uploader, _json({
            "r2_key": key, "filename": "bench.png", "size_bytes": len(SMALL_PNG)}))
            for key in keys], out, once=True))

        # Confirmed images (real objects) first, then the seeded fodder rows.
        deletes = [Request("DELETE", f"/api/images/{i}", uploader)
                   for i in image_ids(target.database_url, target.users["uploader"].id)]
        deletes += [Request("DELETE", f"/api/images/{i}", tokens["fodder"])
                    for i in image_ids(target.database_url, target.users["fodder"].id)]
        record(run_wrk("delete", url, deletes, out, once=True))

        logins = [Request("POST", "/api/auth/login", "", _json({
            "username": target.users[role].username, "password": PASSWORD}))
            for role in target.users if role.startswith("small")]
        # One login run: its throughput, and health's latency while it saturates bcrypt
        # (a second run would queue behind the first one's abandoned logins).
        for result in health_under_login(url, logins, out, target.pid):
            record(result)
    return results


def alternate(runs: list[tuple], out: Path, record, rounds: int = 3) -> None:
    """Run (name, url, requests, pid) endpoints A B A B ..., each for DURATION_S in total."""
    parts: dict[str, list[LoadResult]] = {name: [] for name, *_ in runs}
    for round_ in range(rounds):
        for name, url, requests, pid in runs:
            parts[name].append(wrk(f"{name}.{round_}", url, requests, out,
                                   duration_s=load.DURATION_S / rounds, pid=pid))
    for name, results in parts.items():
        record(load.merge(name, results))


def health_under_login(url: str, logins: list[Request], out: Path,
                       pid: int | None = None) -> tuple[LoadResult, ...]:
    """Health latency while 32 logins keep bcrypt busy: does hashing starve everything else?"""
    with ThreadPoolExecutor(1) as pool:
        saturating = pool.submit(wrk, "login", url, logins, out, duration_s=10, pid=pid)
        time.sleep(2)  # let the login queue build up first
        health = wrk("health_during_login", url, [Request("GET", "/api/health")], out,
                     connections=4, threads=1, duration_s=5)
        return saturating.result(), health
