"""/upload: drop, pick or paste images; each goes straight to storage."""

from __future__ import annotations

import reflex as rx

from imghost.ui.components.layout import app_page
from imghost.ui.components.upload import batch_options, dropzone, storage_usage, upload_list


def upload_page() -> rx.Component:
    return app_page(
        rx.vstack(
            rx.heading("Upload", size="6", as_="h1"),
            batch_options(),
            dropzone(),
            storage_usage(),
            upload_list(),
            spacing="4", width="100%", max_width="760px", margin_x="auto",
        ),
    )
