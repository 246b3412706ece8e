"""Gallery pieces: the tile grid, the large view with its actions, the empty state."""

from __future__ import annotations

import reflex as rx

from imghost.ui.components.copy import copy_button
from imghost.ui.components.layout import link_button
from imghost.ui.components.pickers import album_select, expiry_select
from imghost.ui.state.formatting import GalleryImage
from imghost.ui.state.gallery import GalleryState


def tile(image: GalleryImage) -> rx.Component:
    # A square box whatever the image: the grid never jumps while thumbnails load.
    return rx.el.button(
        rx.aspect_ratio(
            rx.image(src=image.thumb, alt=image.filename, loading="lazy", decoding="async",
                     width="100%", height="100%", object_fit="cover", display="block"),
            ratio=1,
            background=rx.cond(image.placeholder != "", image.placeholder, rx.color("gray", 4)),
        ),
        rx.text(image.filename, size="1", truncate=True, padding_x="0.5em", padding_y="0.4em",
                color=rx.color("gray", 11), text_align="left"),
        on_click=GalleryState.open_image(image.id),
        aria_label="Open " + image.filename,
        class_name="gallery-tile",
        width="100%", padding="0", cursor="pointer", overflow="hidden",
        border=f"1px solid {rx.color('gray', 5)}", border_radius="var(--radius-4)",
        background=rx.color("gray", 3), color="inherit", font="inherit",
        _hover={"border_color": rx.color("accent", 8)},
        _focus_visible={"outline": f"2px solid {rx.color('accent', 9)}", "outline_offset": "2px"},
    )


def grid() -> rx.Component:
    return rx.grid(
        rx.foreach(GalleryState.images, tile),
        columns=rx.breakpoints(initial="2", xs="3", sm="4", lg="5"),
        spacing=rx.breakpoints(initial="2", sm="4"),
        width="100%", id="gallery-grid",
    )


def detail(label: str, value: rx.Var) -> rx.Component:
    return rx.data_list.item(rx.data_list.label(label), rx.data_list.value(value))


def delete_confirmation() -> rx.Component:
    image = GalleryState.selected
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button(rx.icon("trash-2", size=16), "Delete", color_scheme="red", variant="soft"),
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Delete this image?"),
            rx.alert_dialog.description(
                rx.text("“", image.filename, "” will be removed for good, and its links stop working."),
            ),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.button("Delete", color_scheme="red", on_click=GalleryState.delete_selected,
                          loading=GalleryState.deleting),
                spacing="3", justify="end", margin_top="1em",
            ),
            max_width="420px",
        ),
        open=GalleryState.confirm_open,
        on_open_change=GalleryState.set_confirm_open,
    )


def viewer() -> rx.Component:
    image = GalleryState.selected
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(image.filename, size="4", truncate=True, padding_right="2em"),
            rx.dialog.description(image.size_label, " · uploaded ", image.created, size="2",
                                  color=rx.color("gray", 11)),
            rx.dialog.close(
                rx.icon_button(rx.icon("x", size=18), variant="ghost", color_scheme="gray",
                               aria_label="Close", position="absolute", top="1em", right="1em"),
            ),
            rx.center(
                # Sized by the image's own ratio (square until measured), capped in height.
                rx.box(
                    rx.image(src=image.large, alt=image.filename, width="100%", height="100%",
                             object_fit="contain", display="block"),
                    aspect_ratio=image.ratio.to_string(),
                    background=rx.cond(image.placeholder != "", image.placeholder, "transparent"),
                    width=f"min(100%, calc(55vh * {image.ratio}))",
                    max_height="55vh",
                ),
                width="100%", background=rx.color("gray", 3), border_radius="var(--radius-3)",
                margin_y="0.75em", overflow="hidden",
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
                detail("Type", image.content_type),
                orientation=rx.breakpoints(initial="vertical", sm="horizontal"),
                size="2",
            ),
            max_width="900px", width="calc(100vw - 2em)",
        ),
        open=GalleryState.viewer_open,
        on_open_change=GalleryState.set_viewer_open,
    )


def empty_state() -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.icon("image-plus", size=48, color=rx.color("accent", 9)),
            rx.heading("No images yet", size="5"),
            rx.text("Upload your first image and it will show up here.",
                    color=rx.color("gray", 11), text_align="center"),
            link_button("Upload images", "upload", "/upload", size="3"),
            spacing="3", align="center",
        ),
        id="gallery-empty", padding_y="4em", width="100%",
        border=f"2px dashed {rx.color('gray', 6)}", border_radius="var(--radius-4)",
    )
