"""What every client meets first: JSON 404s, OpenAPI and docs, health, CORS."""

from __future__ import annotations

import httpx
import pytest

EVIL = "https://evil.example"


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/api/nope"), ("POST", "/api/images/nope"), ("DELETE", "/api/auth"),
    ("GET", "/api/"), ("PUT", "/api/auth/me/extra"),
])
def test_unknown_api_paths_are_json_404(client, method, path):
    reply = client.request(method, path)
    assert reply.status_code == 404
    assert reply.headers["content-type"].startswith("application/json")
    assert reply.json()["code"] == "not_found"


def test_openapi_lists_every_endpoint(client):
    spec = client.get("/api/openapi.json").json()
    expected = {("/api/auth/register", "post"), ("/api/auth/login", "post"), ("/api/auth/me", "get"),
                ("/api/images/upload-url", "post"), ("/api/images/confirm", "post"),
                ("/api/images/", "get"), ("/api/images/{image_id}", "delete"), ("/api/health", "get"),
                ("/api/images/{image_id}", "patch"), ("/api/images/{image_id}", "get"),
                ("/api/albums", "post"), ("/api/albums", "get"), ("/api/albums/{album_id}", "get"),
                ("/api/albums/{album_id}", "patch"), ("/api/albums/{album_id}", "delete"),
                ("/api/albums/{album_id}/images", "get"), ("/api/albums/{album_id}/images", "post"),
                ("/api/albums/{album_id}/images/{image_id}", "delete"), ("/api/oembed", "get")}
    present = {(path, method) for path, ops in spec["paths"].items() for method in ops}
    assert expected <= present
    login_body = spec["paths"]["/api/auth/login"]["post"]["requestBody"]["content"]
    assert {"application/json", "application/x-www-form-urlencoded"} <= set(login_body)
    schemes = spec["components"]["securitySchemes"]
    assert any(s.get("flows", {}).get("password", {}).get("tokenUrl") == "/api/auth/login"
               for s in schemes.values())


def test_swagger_ui_is_served(client):
    reply = client.get("/api/docs")
    assert reply.status_code == 200 and "swagger-ui" in reply.text
    assert "/api/openapi.json" in reply.text


def test_health_reports_database_and_storage(client):
    reply = client.get("/api/health")
    assert reply.status_code == 200
    assert reply.json() == {"status": "ok", "database": "ok", "storage": "ok"}
    assert client.get("/api/health/live").json() == {"status": "ok"}


def test_cors_allows_the_site_origin_only(client, app_server):
    site = app_server.base_url
    for path in ("/api/auth/login", "/api/images/upload-url"):
        allowed = client.options(path, headers={"Origin": site,
                                                "Access-Control-Request-Method": "POST",
                                                "Access-Control-Request-Headers": "authorization"})
        assert allowed.headers.get("access-control-allow-origin") == site
        denied = client.options(path, headers={"Origin": EVIL, "Access-Control-Request-Method": "POST"})
        assert "access-control-allow-origin" not in denied.headers
        assert denied.status_code == 400
    simple = client.get("/api/health", headers={"Origin": EVIL})
    assert "access-control-allow-origin" not in simple.headers
    # Reflex's own routes get the same rule.
    reflex_route = client.get("/ping", headers={"Origin": EVIL})
    assert reflex_route.status_code == 200
    assert "access-control-allow-origin" not in reflex_route.headers
    assert client.get("/ping", headers={"Origin": site}).headers.get(
        "access-control-allow-origin") == site
    # A simple request from the site is allowed too; every answer varies by Origin,
    # with or without one (a shared cache must not hand one origin's answer to another).
    assert client.get("/api/health/live", headers={"Origin": site}).headers.get(
        "access-control-allow-origin") == site
    for path in ("/api/health/live", "/api/nope", "/ping", "/i/nope"):
        for headers in ({}, {"Origin": EVIL}):
            assert "Origin" in client.get(path, headers=headers).headers.get("vary", ""), path


def test_wrong_method_on_a_known_path_is_json(client):
    reply = client.put("/api/health")
    assert reply.headers["content-type"].startswith("application/json")
    assert reply.status_code in (404, 405)


def test_trailing_slash_variants_of_list(client):
    for path in ("/api/images", "/api/images/"):
        assert client.get(path).status_code == 401


def test_public_url_on_a_public_bucket_points_at_the_bucket(seaweed):
    from imghost.services.storage.s3 import S3Storage
    from imghost.settings import Settings
    from tests.support.images import png
    from tests.support.seaweed import ACCESS_KEY, BUCKET, SECRET_KEY

    settings = Settings(storage="s3", s3_endpoint_url=seaweed.endpoint, s3_bucket=BUCKET,
                        s3_access_key_id=ACCESS_KEY, s3_secret_access_key=SECRET_KEY,
                        s3_public_base_url=f"{seaweed.endpoint}/{BUCKET}", jwt_secret="x" * 40)
    storage = S3Storage(settings)
    key = "5/" + "c" * 32 + ".png"
    storage.put(key, png(), "image/png")
    url = storage.public_url(key)
    assert url == f"{seaweed.endpoint}/{BUCKET}/{key}"
    reply = httpx.get(url, timeout=10)  # anonymous read, as an R2 public bucket
    assert reply.status_code == 200 and reply.content == png()
