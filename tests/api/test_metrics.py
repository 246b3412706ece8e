"""/api/metrics (Prometheus), X-Request-ID and the JSON access log."""

from __future__ import annotations

import json
import time

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.support.api_client import confirm, grant, new_account, put_bytes, upload_image
from tests.support.images import HTML_AS_PNG, png


def scrape(client: httpx.Client) -> dict[tuple[str, tuple], float]:
    reply = client.get("/api/metrics")
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"].startswith("text/plain")
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(reply.text) for sample in family.samples}


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_requests_are_counted_by_route_template_and_status(client):
    before = scrape(client)
    for image_id in (987654, 987655, 987656):  # three paths, one template
        assert client.delete(f"/api/images/{image_id}").status_code == 401
    assert client.get("/api/no/such/thing").status_code == 404
    after = scrape(client)
    template = {"method": "DELETE", "route": "/api/images/{image_id}"}
    assert value(after, "imghost_http_requests_total", **template, status="401") - \
        value(before, "imghost_http_requests_total", **template, status="401") == 3
    assert not any("987654" in str(labels) for _, labels in after)  # raw paths never become labels
    assert value(after, "imghost_http_request_duration_seconds_count", **template) - \
        value(before, "imghost_http_request_duration_seconds_count", **template) == 3
    assert value(after, "imghost_http_requests_total", method="GET", route="/api/{path}",
                 status="404") >= 1


def test_uploads_confirmed_refused_and_bytes_stored(client):
    account = new_account(client, "metrics")
    before = scrape(client)
    data = png((90, 90))
    upload_image(client, account, data)
    bad = grant(client, account, HTML_AS_PNG)
    put_bytes(bad, HTML_AS_PNG)
    assert confirm(client, account, bad, HTML_AS_PNG).json()["code"] == "not_an_image"
    after = scrape(client)
    assert value(after, "imghost_uploads_confirmed_total") - \
        value(before, "imghost_uploads_confirmed_total") == 1
    assert value(after, "imghost_uploads_refused_total", reason="not_an_image") - \
        value(before, "imghost_uploads_refused_total", reason="not_an_image") == 1
    assert value(after, "imghost_stored_bytes") - value(before, "imghost_stored_bytes") == len(data)
    assert value(after, "imghost_images") - value(before, "imghost_images") == 1
    for dependency in ("database", "storage"):
        assert ("imghost_dependency_errors_total", (("dependency", dependency),)) in after
    latency = [labels for name, labels in after if name == "imghost_http_request_duration_seconds_bucket"
               and ("route", "/api/images/confirm") in labels]
    assert latency, "the confirm route has a latency histogram"


def test_request_id_is_returned_and_logged(client, app_server):
    chosen = client.get("/api/health/live", headers={"X-Request-ID": "trace-abc.123"})
    assert chosen.headers["x-request-id"] == "trace-abc.123"
    made_up = client.get("/api/health", headers={"X-Request-ID": "bad id\twith spaces" + "x" * 80})
    generated = made_up.headers["x-request-id"]
    assert len(generated) == 32 and generated.isalnum()
    page = client.get("/login/")  # Reflex's side of the app gets one too
    assert len(page.headers["x-request-id"]) == 32
    missing = client.get("/api/does-not-exist")
    assert missing.headers["x-request-id"] != generated

    # The access line is written just after the response leaves: give it a moment.
    deadline = time.monotonic() + 5
    while True:
        lines = [json.loads(line) for line in app_server.log().splitlines() if line.startswith("{")]
        seen = {entry.get("request_id") for entry in lines}
        if {generated, missing.headers["x-request-id"]} <= seen or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    logged = next(entry for entry in lines if entry.get("request_id") == generated)
    assert logged["logger"] == "imghost.access"
    assert logged["route"] == "/api/health" and logged["status"] == 200
    assert logged["method"] == "GET" and logged["duration_ms"] >= 0
    not_found = next(entry for entry in lines
                     if entry.get("request_id") == missing.headers["x-request-id"])
    assert not_found["status"] == 404 and not_found["code"] == "not_found"


def test_metrics_token_protects_the_endpoint(configured, monkeypatch):
    from fastapi.testclient import TestClient

    from imghost.api import create_api
    from imghost.runtime import get_runtime, reset_runtime

    monkeypatch.setenv("IMGHOST_METRICS_TOKEN", "scrape-secret-0123456789")
    reset_runtime()
    assert get_runtime().settings.metrics_token == "scrape-secret-0123456789"
    with TestClient(create_api()) as http:
        refused = http.get("/api/metrics")
        assert refused.status_code == 401 and refused.json()["code"] == "metrics_token_required"
        assert http.get("/api/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
        allowed = http.get("/api/metrics", headers={"Authorization": "Bearer scrape-secret-0123456789"})
        assert allowed.status_code == 200 and "imghost_http_requests_total" in allowed.text


def test_unexpected_errors_answer_500_json_with_a_request_id(configured):
    from fastapi.testclient import TestClient

    from imghost.api import create_api

    api = create_api()

    @api.get("/boom")
    def boom() -> None:
        raise RuntimeError("bug")

    # Route order: the test route sits after the /api catch-all, so use a non-/api path.
    with TestClient(api, raise_server_exceptions=False) as http:
        reply = http.get("/boom", headers={"X-Request-ID": "bug-report-1"})
    assert reply.status_code == 500
    assert reply.json() == {"detail": "Something went wrong on the server.", "code": "internal_error"}
    assert reply.headers["x-request-id"] == "bug-report-1"
