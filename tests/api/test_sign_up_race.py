"""Two sign-ups racing as "Alice" and "alice": the schema lets exactly one in."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.support.api_client import PASSWORD


def test_racing_sign_ups_differing_only_in_case(app_server):
    barrier = threading.Barrier(2)

    def sign_up(username: str) -> httpx.Response:
        with httpx.Client(base_url=app_server.base_url, timeout=30) as http:
            barrier.wait()
            return http.post("/api/auth/register", json={
                "username": username, "email": f"{uuid.uuid4().hex[:12]}@example.com",
                "password": PASSWORD})

    with ThreadPoolExecutor(2) as pool:
        for _ in range(8):
            name = f"Alice_{uuid.uuid4().hex[:8]}"
            replies = list(pool.map(sign_up, [name, name.lower()]))
            assert sorted(r.status_code for r in replies) == [201, 409], [r.text for r in replies]
            refused = next(r for r in replies if r.status_code == 409).json()
            assert refused["code"] == "username_taken"
            assert refused["errors"] == [{"field": "username", "message": "That username is already taken."}]
