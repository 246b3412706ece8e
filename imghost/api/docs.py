"""/api/docs served from this server, not a CDN.

FastAPI's default page loads Swagger UI from cdn.jsdelivr.net: that fails on
servers without internet and would force the page's CSP to trust a third party.
The same Swagger UI 5 files ship in the fastapi-offline wheel; we serve them.
"""

from __future__ import annotations

import base64
import hashlib
import re
from importlib.resources import files

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

DOCS_URL = "/api/docs"
STATIC_URL = "/api/docs/static"
_INLINE_SCRIPT = re.compile(rb"<script(\s[^>]*)?>(.*?)</script>", re.DOTALL | re.IGNORECASE)


def inline_script_hashes(html: bytes) -> list[str]:
    """CSP source expressions ('sha256-…') for each inline <script> of a page."""
    return [f"'sha256-{base64.b64encode(hashlib.sha256(body).digest()).decode()}'"
            for attributes, body in _INLINE_SCRIPT.findall(html)
            if b"src=" not in (attributes or b"").lower()]


def docs_page(api: FastAPI) -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url=api.openapi_url, title=f"{api.title} - API docs",
        swagger_js_url=f"{STATIC_URL}/swagger-ui-bundle.js",
        swagger_css_url=f"{STATIC_URL}/swagger-ui.css",
        swagger_favicon_url=f"{STATIC_URL}/favicon.png",
        swagger_ui_parameters=api.swagger_ui_parameters)


def install_docs(api: FastAPI) -> list[str]:
    """Add the docs page and its files; return the hashes its CSP must allow."""
    page = docs_page(api)
    api.mount(STATIC_URL, StaticFiles(directory=str(files("fastapi_offline") / "static")),
              name="docs-static")

    @api.get(DOCS_URL, include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return HTMLResponse(page.body)

    return inline_script_hashes(page.body)
