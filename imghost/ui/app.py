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
        head_components=[
            # The direct-to-storage uploader and clipboard helper (assets/upload.js), in
            # the page's own HTML: its drop, paste and file-picker listeners are there as
            # soon as the page shows, not after hydration (a file dropped earlier would
            # be opened by the browser in place of the page). It needs no React.
            rx.el.script(src="/upload.js", defer=True),
            # The gallery's infinite scroll, address and viewer keys (assets/gallery.js):
            # after hydration, since it clicks React's buttons.
            rx.script(src="/gallery.js"),
        ],
    )
    register_pages(app)
    return app
