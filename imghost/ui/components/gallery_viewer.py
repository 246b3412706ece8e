"""The large view: the picture, previous/next (buttons, arrow keys, swipes via
assets/gallery.js), its details and actions; the address names the image."""

from __future__ import annotations

import reflex as rx

from imghost.ui.components.copy import copy_button
from imghost.ui.components.layout import link_button
from imghost.ui.components.pickers import album_select, expiry_select
from imghost.ui.state.gallery import GalleryState


def detail(label: str, value) -> rx.Component:
    return rx.data_list.item(rx.data_list.label(label), rx.data_list.value(value))


def delete_confirmation() -> rx.Component:
    image = GalleryState.viewer
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button(rx.icon("trash-2", size=16), "Delete", color_scheme="red", variant="outline"),
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Delete this image?"),
            rx.alert_dialog.description(
                rx.text("“", image.filename, "” will be removed for good, and its links stop working."),
            ),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.button("Delete", color_scheme="red", on_click=GalleryState.delete_viewed,
                          loading=GalleryState.deleting),
                spacing="3", justify="end", margin_top="1em",
            ),
            max_width="420px",
        ),
        open=GalleryState.confirm_open,
        on_open_change=GalleryState.set_confirm_open,
    )


def step_button(label: str, icon: str, target, direction: int,
                element_id: str) -> rx.Component:
    return rx.icon_button(
        rx.icon(icon, size=20), on_click=GalleryState.step(direction),
        disabled=target == 0, aria_label=label, title=label + " (arrow key)", id=element_id,
        variant="soft", color_scheme="gray", size="3", radius="full",
    )


def viewer() -> rx.Component:
    image = GalleryState.viewer
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(image.filename, size="4", truncate=True, padding_right="2em"),
            rx.dialog.description(image.size_label, " · uploaded ", image.created, size="2",
                                  color=rx.color("gray", 11)),
            rx.dialog.close(
                rx.icon_button(rx.icon("x", size=18), variant="ghost", color_scheme="gray",
                               aria_label="Close (Escape)", position="absolute", top="1em",
                               right="1em"),
            ),
            rx.hstack(
                step_button("Previous image", "chevron-left", GalleryState.viewer_prev, -1,
                            "viewer-prev"),
                rx.center(
                    # A fixed box, the picture contained in it: nothing moves as it loads,
                    # and no style depends on the image (see processing/blur.py).
                    rx.image(src=image.large, alt=image.filename, width="100%",
                             height="100%", object_fit="contain", display="block"),
                    id="viewer-picture", flex="1", min_width="0", height="min(55vh, 75vw)",
                    background=rx.color("gray", 3), border_radius="var(--radius-3)",
                    overflow="hidden",
                ),
                step_button("Next image", "chevron-right", GalleryState.viewer_next, 1,
                            "viewer-next"),
                align="center", spacing="2", width="100%", margin_y="0.75em",
            ),
            rx.flex(
                copy_button("Copy page link", image.page_url, icon="share-2", id="copy-page-link"),
                copy_button("Copy link", image.url, id="copy-link"),
                copy_button("Copy Markdown", image.markdown, icon="code", id="copy-markdown"),
                link_button("Open page", "external-link", image.page_url, external=True,
                            variant="soft", color_scheme="gray", id="open-page"),
                rx.spacer(),
                delete_confirmation(),
                spacing="2", wrap="wrap", margin_bottom="0.75em",
            ),
            rx.flex(
                expiry_select(GalleryState.expiry_choice, GalleryState.set_expiry,
                              id="viewer-expiry", placeholder="Change expiry"),
                album_select(GalleryState.album_options, GalleryState.add_to_album,
                             id="viewer-add-to-album", placeholder="Add to album"),
                spacing="3", wrap="wrap", align="center", margin_bottom="1em",
            ),
            rx.data_list.root(
                detail("Page", rx.code(image.page_url, id="viewer-page-link", word_break="break-all")),
                detail("Link", rx.code(image.url, id="viewer-link", word_break="break-all")),
                detail("Expires", rx.text(rx.cond(image.expires != "", image.expires, "Never"),
                                          id="viewer-expires")),
                detail("Dimensions", image.dimensions),
                detail("Size", image.size_label),
                detail("Type", image.content_type),
                detail("Uploaded", image.created),
                orientation=rx.breakpoints(initial="vertical", sm="horizontal"),
                size="2",
            ),
            max_width="960px", width="calc(100vw - 2em)", id="gallery-viewer",
        ),
        open=GalleryState.viewer_open,
        on_open_change=GalleryState.set_viewer_open,
    )
