"""The Reflex app: the pages, plus the REST API mounted as the api_transformer."""

from __future__ import annotations

import reflex as rx

from imghost.api import create_api
from imghost.startup import prepare_server
from imghost.ui.pages import register_pages

app = rx.App(
    api_transformer=create_api(),
    # The direct-to-storage uploader and clipboard helper (see assets/upload.js);
    # the gallery's infinite scroll, address and viewer keys (assets/gallery.js).
    head_components=[rx.script(src="/upload.js"), rx.script(src="/gallery.js")],
)
register_pages(app)
app.register_lifespan_task(prepare_server)
