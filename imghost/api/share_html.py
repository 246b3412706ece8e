"""The server-rendered share pages' HTML: Jinja2 with autoescape on everything.

Chat unfurlers and crawlers read these without running script, so the OpenGraph
tags are in the HTML itself. Filenames, titles and descriptions are the user's
(attacker-controlled): autoescape covers every value; the one trusted insert is our
own stylesheet, allowed by its hash in the page's Content-Security-Policy.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from markupsafe import Markup

from imghost.api.security import storage_origins
from imghost.services.labels import human_size, markdown_alt, utc_label
from imghost.services.sharing import Picture, SharedAlbum, SharedImage
from imghost.settings import Settings

if TYPE_CHECKING:
    from jinja2 import Environment

TEMPLATES = Path(__file__).resolve().parent / "templates"
STYLE = (TEMPLATES / "page.css").read_text().strip()
# Our own stylesheet, read from the package: the only value not escaped.
TRUSTED_STYLE = Markup(STYLE)  # noqa: S704
STYLE_HASH = "sha256-" + base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()


@functools.cache
def environment() -> Environment:
    """Built by the first share page: importing Jinja2 (~0.08 s) is not something a
    start should wait for before the API answers."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    return Environment(loader=FileSystemLoader(TEMPLATES),
                       autoescape=select_autoescape(["html"], default=True),
                       trim_blocks=True, lstrip_blocks=True)


def page_policy(settings: Settings) -> str:
    """Exactly what the pages need: images from here and the store, our one style."""
    images = " ".join(["'self'", "data:", *storage_origins(settings)])
    return "; ".join([
        "default-src 'none'", f"img-src {images}", f"style-src '{STYLE_HASH}'",
        "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
    ])


def _render(name: str, settings: Settings, **values) -> str:
    return environment().get_template(name).render(
        style=TRUSTED_STYLE, site_url=settings.site_url, **values)


def srcset(renditions: list[Picture]) -> str:
    return ", ".join(f"{p.url} {p.width}w" for p in renditions if p.width)


def copy_boxes(page: SharedImage) -> list[tuple[str, str, str]]:
    image, shown = page.image, page.shown
    alt = html.escape(image.filename)  # inside the HTML snippet itself
    return [
        ("copy-link", "Direct link", image.public_url),
        ("copy-markdown", "Markdown",
         f"[![{markdown_alt(image.filename)}]({shown.url})]({image.page_url})"),
        ("copy-bbcode", "BBCode", f"[url={image.page_url}][img]{shown.url}[/img][/url]"),
        ("copy-html", "HTML", f'<a href="{image.page_url}"><img src="{shown.url}" alt="{alt}"></a>'),
    ]


def image_page(page: SharedImage, settings: Settings) -> str:
    image = page.image
    oembed = (f"{settings.site_url}/api/oembed?"
              + urlencode({"url": image.page_url, "format": "json"}))
    return _render("image.html", settings, page=page, srcset=srcset(page.renditions),
                   size=human_size(image.size_bytes), uploaded=utc_label(image.created_at),
                   expires=utc_label(image.expires_at) if image.expires_at else None,
                   copy_boxes=copy_boxes(page), oembed_url=oembed)


def album_page(album: SharedAlbum, settings: Settings) -> str:
    tiles = []
    for item in album.images:
        # The grid shows thumbnails: the display size only for high-DPI, not the original.
        small = [p for p in item.renditions if p.url != item.image.public_url] or item.renditions
        tiles.append({"page_url": item.image.page_url, "src": small[0].url,
                      "srcset": srcset(small), "alt": item.image.filename,
                      "width": small[0].width, "height": small[0].height})
    next_url = f"{album.page_url}?before={album.next_before}" if album.next_before else None
    return _render("album.html", settings, album=album, tiles=tiles, next_url=next_url,
                   cover=album.cover.shown if album.cover else None)


def not_found_page(message: str, settings: Settings) -> str:
    return _render("not_found.html", settings, message=message)
