"""The delete link's pages: plain server-rendered HTML that works without JavaScript.

Every value from users goes through html.escape. The pages carry the site's
security headers (api/security.py) plus no-referrer, so the secret in the address
is never sent anywhere, and no-store, so no cache keeps it.
"""

from __future__ import annotations

from html import escape

from fastapi.responses import HTMLResponse

from imghost.services.images import ImagePublic

HEADERS = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store",
           "X-Robots-Tag": "noindex, nofollow"}

STYLE = """
:root { color-scheme: light dark; --bg: #f7f7f8; --card: #fff; --text: #1c1c1f;
  --muted: #60646c; --line: #dcdde0; --danger: #ce2c31; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #111113; --card: #1c1c1f; --text: #edeef0; --muted: #b0b4ba;
    --line: #363a3f; --danger: #ff9592; } }
* { box-sizing: border-box; }
body { margin: 0; min-height: 100vh; display: grid; place-items: center; padding: 1rem;
  background: var(--bg); color: var(--text);
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { width: 100%; max-width: 28rem; background: var(--card); border: 1px solid var(--line);
  border-radius: 12px; padding: 1.5rem; }
h1 { font-size: 1.35rem; margin: 0 0 .5rem; }
p { margin: .5rem 0; color: var(--muted); overflow-wrap: anywhere; }
img { display: block; max-width: 100%; max-height: 16rem; margin: 1rem auto;
  border-radius: 8px; border: 1px solid var(--line); }
button { font: inherit; font-weight: 600; padding: .6rem 1.2rem; border: 0; border-radius: 8px;
  background: var(--danger); color: #fff; cursor: pointer; width: 100%; margin-top: .5rem; }
@media (prefers-color-scheme: dark) { button { color: #1c1c1f; } }
button:focus-visible { outline: 3px solid var(--text); outline-offset: 2px; }
a { color: inherit; }
"""


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    html = (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<meta name="robots" content="noindex, nofollow">'
            f"<title>{escape(title)} · imghost</title><style>{STYLE}</style></head>"
            f"<body><main>{body}</main></body></html>")
    return HTMLResponse(html, status_code=status, headers=HEADERS)


def confirm_page(image: ImagePublic) -> HTMLResponse:
    preview = image.thumbnail_url or image.public_url
    size = f"{image.width}×{image.height}, " if image.width and image.height else ""
    return _page("Delete this image?", (
        "<h1>Delete this image?</h1>"
        f'<img src="{escape(preview)}" alt="{escape(image.filename)}">'
        f"<p><strong>{escape(image.filename)}</strong> ({size}{image.size_bytes:,} bytes)</p>"
        "<p>Deleting cannot be undone; the image's links stop working.</p>"
        '<form method="post"><button type="submit">Delete image</button></form>'))


def deleted_page(image: ImagePublic) -> HTMLResponse:
    return _page("Image deleted", (
        "<h1>Image deleted</h1>"
        f"<p><strong>{escape(image.filename)}</strong> is gone.</p>"))


def not_found_page(detail: str) -> HTMLResponse:
    return _page("Delete link not found", (
        "<h1>Delete link not found</h1>"
        f"<p>{escape(detail)} The image may have been deleted already.</p>"), status=404)
