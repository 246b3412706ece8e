"""/api/metrics answers only this host unless a token or IMGHOST_METRICS_PUBLIC opens it."""

from __future__ import annotations

import pytest

STRANGER = ("203.0.113.9", 40000)


def api_for(monkeypatch, **env):
    from imghost.api import create_api
    from imghost.runtime import reset_runtime

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    reset_runtime()
    return create_api()


def scrape(api, client=STRANGER, **headers):
    from fastapi.testclient import TestClient

    with TestClient(api, client=client) as http:
        return http.get("/api/metrics", headers=headers)


def test_strangers_are_refused_by_default(configured, monkeypatch):
    api = api_for(monkeypatch)
    refused = scrape(api)
    assert refused.status_code == 403
    assert refused.json()["code"] == "metrics_forbidden"
    assert "IMGHOST_METRICS_TOKEN" in refused.json()["detail"]


@pytest.mark.parametrize("address", ["127.0.0.1", "127.0.0.53", "::1", "::ffff:127.0.0.1"])
def test_this_host_may_scrape(configured, monkeypatch, address):
    reply = scrape(api_for(monkeypatch), client=(address, 40000))
    assert reply.status_code == 200 and "imghost_http_requests_total" in reply.text


def test_behind_a_local_proxy_the_forwarded_address_counts(configured, monkeypatch):
    api = api_for(monkeypatch, IMGHOST_TRUSTED_PROXY_HOPS="1")
    assert scrape(api, client=("127.0.0.1", 40000),
                  **{"X-Forwarded-For": "203.0.113.9"}).status_code == 403
    assert scrape(api, client=("127.0.0.1", 40000),
                  **{"X-Forwarded-For": "127.0.0.1"}).status_code == 200


def test_public_metrics_and_token_metrics(configured, monkeypatch):
    assert scrape(api_for(monkeypatch, IMGHOST_METRICS_PUBLIC="true")).status_code == 200
    api = api_for(monkeypatch, IMGHOST_METRICS_PUBLIC="false",
                  IMGHOST_METRICS_TOKEN="scrape-secret-0123456789")
    assert scrape(api).status_code == 401
    # The token opens the metrics to any address, and a non-ASCII guess is a 401, not a 500.
    assert scrape(api, Authorization="Bearer scrape-secret-0123456789").status_code == 200
    assert scrape(api, Authorization="Bearer \u00e9t\u00e9".encode("latin-1")).status_code == 401
