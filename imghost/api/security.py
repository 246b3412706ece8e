"""Security headers for everything the server answers, pages above all.

Pages get a Content-Security-Policy that allows exactly what the Reflex frontend
needs: its own scripts, the inline scripts baked into the built pages (by hash,
read from the build at first use), `eval` (Reflex runs rx.call_script through it),
inline styles (Emotion/Radix inject them), the event websocket, and the object
store the browser uploads to and loads images from. /api/docs gets its own policy
for Swagger UI. Headers a route set itself (the stored files' sandbox CSP) win.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from urllib.parse import urlsplit

from imghost.api.docs import DOCS_URL, inline_script_hashes
from imghost.settings import Settings

log = logging.getLogger("imghost.security")

COMMON = {
    b"x-content-type-options": b"nosniff",
    b"referrer-policy": b"strict-origin-when-cross-origin",
}
PAGE_ONLY = {
    b"x-frame-options": b"DENY",
    b"cross-origin-opener-policy": b"same-origin",
    b"permissions-policy": b"camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def storage_origins(settings: Settings) -> list[str]:
    """Where browsers PUT uploads and fetch images from, besides this site."""
    if settings.storage != "s3":
        return []
    found = [_origin(settings.s3_endpoint), _origin(settings.s3_public_base_url)]
    return sorted({o for o in found if o})


def websocket_origins(settings: Settings) -> list[str]:
    # 'self' covers same-origin ws/wss in current browsers; spelling the site's
    # own websocket origin out keeps older ones working too.
    parts = urlsplit(settings.site_url)
    return [f"{'wss' if parts.scheme == 'https' else 'ws'}://{parts.netloc}"]


@functools.lru_cache(maxsize=1)
def built_page_hashes() -> tuple[str, ...] | None:
    """Hashes of every inline script in the built frontend; None without a build."""
    try:
        from reflex import constants
        from reflex.utils import prerequisites

        static = Path(prerequisites.get_web_dir()) / constants.Dirs.STATIC
        pages = sorted(static.rglob("*.html")) if static.is_dir() else []
    except Exception:  # no Reflex project here (API-only use): nothing to hash
        pages = []
    if not pages:
        return None
    hashes: dict[str, None] = {}
    for page in pages:
        for digest in inline_script_hashes(page.read_bytes()):
            hashes[digest] = None
    return tuple(hashes)


def page_policy(settings: Settings) -> str:
    hashes = built_page_hashes()
    # Without a build (development, `reflex run`) pages are generated on the fly:
    # fall back to allowing inline scripts rather than serving a blank app.
    inline = " ".join(hashes) if hashes is not None else "'unsafe-inline'"
    stores = " ".join(storage_origins(settings))
    return "; ".join([
        "default-src 'self'",
        f"script-src 'self' 'unsafe-eval' {inline}",
        "style-src 'self' 'unsafe-inline'",
        f"img-src 'self' data: blob: {stores}".rstrip(),
        "font-src 'self' data:",
        f"connect-src 'self' {' '.join(websocket_origins(settings))} {stores}".rstrip(),
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def docs_policy(docs_hashes: list[str]) -> str:
    return "; ".join([
        "default-src 'self'",
        f"script-src 'self' {' '.join(docs_hashes)}",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


class SecurityHeaders:
    """The headers an answer gets. Applied by the one edge middleware
    (api/observability.py), which already rewrites every response start."""

    def __init__(self, settings: Settings, docs_hashes: list[str]):
        self.settings = settings
        self.docs_csp = docs_policy(docs_hashes).encode()
        self.common = dict(COMMON)
        if settings.site_url.startswith("https://"):
            self.common[b"strict-transport-security"] = b"max-age=31536000"
        self._page_csp: bytes | None = None

    def page_csp(self) -> bytes:
        if self._page_csp is None:
            self._page_csp = page_policy(self.settings).encode()
        return self._page_csp

    def add_to(self, path: str, headers: list) -> None:
        """Append what the response lacks; headers a route set itself win."""
        present = set()
        html = False
        for name, value in headers:
            name = name.lower()
            present.add(name)
            if name == b"content-type" and value.startswith(b"text/html"):
                html = True
        added = self.common
        if html:
            added = {**added, **PAGE_ONLY, b"content-security-policy": (
                self.docs_csp if path == DOCS_URL else self.page_csp())}
        headers += [(k, v) for k, v in added.items() if k not in present]
