"""The Reflex app's parts: every page and the scripts in every page's head.

imghost.imghost (for `reflex run` and `reflex export`) and imghost.asgi (for granian)
both build the app here, so the backend always has the states the built frontend expects.
"""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx

from imghost.ui.pages import register_pages


def create_app(api_transformer: Callable | object) -> rx.App:
    app = rx.App(
        api_transformer=api_transformer,
        # The direct-to-storage uploader and clipboard helper (see assets/upload.js);
        # the gallery's infinite scroll, address and viewer keys (assets/gallery.js).
        head_components=[rx.script(src="/upload.js"), rx.script(src="/gallery.js")],
    )
    register_pages(app)
    return app
