"""Security headers, and proof in a real Chromium that the CSP leaves the app and /api/docs working."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.steps import choose_files, register, tiles, unique_user, wait_until_finished
from tests.support.api_client import new_account, upload_image
from tests.support.frontend import start_app_with_pages
from tests.support.images import png
from tests.support.server import AppServer

pytestmark = pytest.mark.e2e

WATCH_CSP = """
window.__csp = [];
document.addEventListener('securitypolicyviolation',
  e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
"""


@pytest.fixture(scope="module")
def page_server(backend, tmp_path_factory, request) -> Iterator[AppServer]:
    server = start_app_with_pages(backend, tmp_path_factory.mktemp("headers"))
    if "IMGHOST_S3_ENDPOINT_URL" in backend:
        request.getfixturevalue("seaweed").allow_origins([server.base_url])
    yield server
    server.stop()


@pytest.fixture
def page(browser, page_server) -> Iterator[Page]:
    context = browser.new_context(base_url=page_server.base_url)
    context.set_default_timeout(20_000)
    context.add_init_script(WATCH_CSP)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    page.problems = problems
    yield page
    context.close()


def violations(page: Page) -> list[str]:
    return page.evaluate("window.__csp || []") + page.problems


def directives(policy: str) -> dict[str, str]:
    return {part.split()[0]: part.strip() for part in policy.split(";") if part.strip()}


def test_pages_carry_security_headers(page_server):
    reply = httpx.get(f"{page_server.base_url}/login/", timeout=30)
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("text/html")
    policy = directives(reply.headers["content-security-policy"])
    assert policy["frame-ancestors"] == "frame-ancestors 'none'"
    assert policy["object-src"] == "object-src 'none'"
    assert "'unsafe-inline'" not in policy["script-src"], "inline scripts are allowed by hash only"
    assert re.search(r"'sha256-[A-Za-z0-9+/=]{44}'", policy["script-src"])
    assert reply.headers["x-frame-options"] == "DENY"
    assert reply.headers["x-content-type-options"] == "nosniff"
    assert reply.headers["referrer-policy"] == "strict-origin-when-cross-origin"

    api = httpx.get(f"{page_server.base_url}/api/health", timeout=30)
    assert api.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" not in api.headers  # JSON is not a document


def test_stored_files_keep_their_own_sandbox_policy(page_server):
    with httpx.Client(base_url=page_server.base_url, timeout=30) as client:
        image = upload_image(client, new_account(client, "files"))
    reply = httpx.get(image["public_url"], timeout=30)
    if page_server.env.get("IMGHOST_STORAGE") == "s3":
        # A private bucket: the app only hands out a short-lived presigned GET.
        assert reply.status_code == 307
        location = reply.headers["location"]
        assert location.startswith(page_server.env["IMGHOST_S3_ENDPOINT_URL"])
        assert "X-Amz-Signature=" in location
        return
    assert reply.status_code == 200
    assert reply.headers["content-security-policy"].startswith("default-src 'none'")
    assert "sandbox" in reply.headers["content-security-policy"]
    assert reply.headers["x-content-type-options"] == "nosniff"


def test_app_works_under_the_policy(page, page_server, tmp_path):
    """Register, upload (websocket, eval'd call_script, PUT to storage) and see the image."""
    register(page, unique_user("csp"))
    picture = tmp_path / "under-csp.png"
    picture.write_bytes(png((50, 40)))
    choose_files(page, [picture])
    wait_until_finished(page, 1)
    expect(page.locator(".upload-row").first).to_have_attribute("data-status", "done")
    page.goto("/")
    expect(tiles(page)).to_have_count(1)
    image = tiles(page).first.locator("img").first
    expect(image).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    assert violations(page) == []


def test_api_docs_work_under_their_policy(page, page_server):
    reply = httpx.get(f"{page_server.base_url}/api/docs", timeout=30)
    assert "cdn.jsdelivr.net" not in reply.text, "Swagger UI is served locally"
    assert directives(reply.headers["content-security-policy"])["frame-ancestors"] == \
        "frame-ancestors 'none'"
    page.goto("/api/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("imghost")
    expect(page.locator(".opblock-summary-path", has_text="/api/images/upload-url")).to_be_visible()
    page.get_by_role("button", name=re.compile("Authorize")).first.click()
    expect(page.locator(".auth-container").first).to_be_visible()
    assert violations(page) == []
