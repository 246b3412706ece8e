"""/ : the signed-in user's images."""

from __future__ import annotations

import reflex as rx

from imghost.ui.components.gallery import empty_state, grid, no_matches
from imghost.ui.components.gallery_toolbar import filters, selection_bar
from imghost.ui.components.gallery_viewer import viewer
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
        align="end", width="100%", margin_bottom="1em",
    )


def filtered() -> rx.Var:
    return ((GalleryState.q != "") | (GalleryState.type_filter != "all")
            | (GalleryState.date_from != "") | (GalleryState.date_to != ""))


def gallery_page() -> rx.Component:
    return app_page(
        header(),
        filters(),
        rx.cond(GalleryState.selected_ids.length() > 0, selection_bar()),
        rx.cond(GalleryState.error != "",
                rx.callout(GalleryState.error, icon="triangle-alert", color_scheme="red",
                           margin_bottom="1em", role="alert")),
        rx.cond(
            GalleryState.loaded,
            # "No images yet" would be a lie while the list could not be loaded.
            rx.cond(GalleryState.total > 0, grid(),
                    rx.cond(GalleryState.error == "",
                            rx.cond(filtered(), no_matches(), empty_state()))),
            rx.center(rx.spinner(size="3"), padding_y="4em"),
        ),
        viewer(),
    )
