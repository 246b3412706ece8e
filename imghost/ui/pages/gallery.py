"""/ : the signed-in user's images."""

from __future__ import annotations

import reflex as rx

from imghost.ui.components.gallery import empty_state, grid, viewer
from imghost.ui.components.layout import app_page, link_button
from imghost.ui.state.gallery import GalleryState


def header() -> rx.Component:
    return rx.hstack(
        rx.vstack(
            rx.heading("Your images", size="6", as_="h1"),
            rx.text(
                rx.cond(GalleryState.total == 1, "1 image",
                        GalleryState.total.to_string() + " images"),
                size="2", color=rx.color("gray", 11), id="gallery-count",
            ),
            spacing="1",
        ),
        rx.spacer(),
        link_button("Upload", "upload", "/upload", size="2", id="header-upload"),
        align="end", width="100%", margin_bottom="1.25em",
    )


def gallery_page() -> rx.Component:
    return app_page(
        header(),
        rx.cond(GalleryState.error != "",
                rx.callout(GalleryState.error, icon="triangle-alert", color_scheme="red",
                           margin_bottom="1em")),
        rx.cond(
            GalleryState.loaded,
            # "No images yet" would be a lie while the list could not be loaded.
            rx.cond(GalleryState.images.length() > 0, grid(),
                    rx.cond(GalleryState.error == "", empty_state())),
            rx.center(rx.spinner(size="3"), padding_y="4em"),
        ),
        rx.cond(
            GalleryState.next_cursor != "",
            rx.center(
                rx.button("Load more", on_click=GalleryState.load_more, variant="soft", size="3",
                          loading=GalleryState.loading_more, id="load-more"),
                padding_y="1.5em",
            ),
        ),
        viewer(),
    )
