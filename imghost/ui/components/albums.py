"""Album pieces: the album cards, the new-album form, and one album's header and tiles."""

from __future__ import annotations

import reflex as rx

from imghost.ui.components.copy import copy_button
from imghost.ui.components.layout import link_button
from imghost.ui.state.albums import AlbumCard, AlbumsState, AlbumState
from imghost.ui.state.formatting import GalleryImage

GRID_COLUMNS = rx.breakpoints(initial="2", xs="3", sm="4", lg="5")


def album_card(album: AlbumCard) -> rx.Component:
    return rx.link(
        rx.aspect_ratio(
            rx.cond(album.cover != "",
                    rx.image(src=album.cover, alt="", loading="lazy", width="100%", height="100%",
                             object_fit="cover", display="block"),
                    rx.center(rx.icon("images", size=32, color=rx.color("gray", 8)),
                              height="100%")),
            ratio=1, background=rx.color("gray", 4),
        ),
        rx.vstack(
            rx.text(album.title, weight="medium", size="2", truncate=True, width="100%"),
            rx.hstack(rx.text(album.count_label, size="1", color=rx.color("gray", 11)),
                      rx.cond(album.shared, rx.badge("Shared", color_scheme="green", size="1")),
                      spacing="2", align="center"),
            spacing="1", padding="0.5em 0.6em", width="100%",
        ),
        href="/albums/" + album.id.to_string(), underline="none", color="inherit",
        class_name="album-card", display="block", overflow="hidden",
        border=f"1px solid {rx.color('gray', 5)}", border_radius="var(--radius-4)",
        background=rx.color("gray", 3), _hover={"border_color": rx.color("accent", 8)},
    )


def new_album_form() -> rx.Component:
    return rx.form(
        rx.hstack(
            rx.input(value=AlbumsState.new_title, on_change=AlbumsState.set_new_title,
                     placeholder="New album title", id="album-title", name="title", max_length=200,
                     aria_label="New album title", flex="1", size="3"),
            rx.button(rx.icon("plus", size=16), "Create album", type="submit", size="3",
                      loading=AlbumsState.creating, id="album-create"),
            spacing="2", width="100%", max_width="520px",
        ),
        on_submit=AlbumsState.create, width="100%",
    )


def album_grid() -> rx.Component:
    return rx.grid(rx.foreach(AlbumsState.albums, album_card), columns=GRID_COLUMNS,
                   spacing=rx.breakpoints(initial="2", sm="4"), width="100%", id="album-grid")


def album_tile(image: GalleryImage) -> rx.Component:
    return rx.box(
        rx.link(
            rx.aspect_ratio(
                rx.image(src=image.thumb, alt=image.filename, loading="lazy", width="100%",
                         height="100%", object_fit="cover", display="block"),
                ratio=1,
                background=rx.cond(image.placeholder != "", image.placeholder, rx.color("gray", 4)),
            ),
            href=image.page_url, is_external=True, aria_label="Open the page of " + image.filename,
        ),
        rx.hstack(
            rx.text(image.filename, size="1", truncate=True, flex="1", min_width="0",
                    color=rx.color("gray", 11)),
            rx.icon_button(rx.icon("x", size=14), size="1", variant="ghost", color_scheme="gray",
                           on_click=AlbumState.remove_image(image.id),
                           aria_label="Take " + image.filename + " out of the album"),
            align="center", padding="0.3em 0.5em", spacing="1",
        ),
        class_name="album-tile", overflow="hidden", background=rx.color("gray", 3),
        border=f"1px solid {rx.color('gray', 5)}", border_radius="var(--radius-4)",
    )


def share_panel() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.switch(checked=AlbumState.shared, on_change=AlbumState.set_shared,
                          id="album-shared"),
                rx.el.label(rx.text("Share with a link", weight="medium", size="2"),
                            html_for="album-shared"),
                spacing="2", align="center",
            ),
            rx.cond(
                AlbumState.shared,
                rx.flex(
                    rx.code(AlbumState.share_url, id="album-share-url", word_break="break-all",
                            flex="1", min_width="0"),
                    rx.hstack(copy_button("Copy link", AlbumState.share_url, size="1",
                                          id="album-copy-link"),
                              link_button("Open", "external-link", AlbumState.share_url,
                                          external=True, size="1", variant="soft",
                                          color_scheme="gray"),
                              spacing="2"),
                    gap="0.5em", width="100%", align="center",
                    direction=rx.breakpoints(initial="column", sm="row"),
                ),
                rx.text("Only you can see this album.", size="2", color=rx.color("gray", 11)),
            ),
            spacing="2", width="100%",
        ),
        width="100%",
    )


def delete_album_button() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button(rx.icon("trash-2", size=16), "Delete album", color_scheme="red",
                      variant="soft")),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Delete this album?"),
            rx.alert_dialog.description("The album and its link go; its images stay in your gallery."),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.button("Delete", color_scheme="red", on_click=AlbumState.delete_album),
                spacing="3", justify="end", margin_top="1em",
            ),
            max_width="420px",
        ),
        open=AlbumState.confirm_open, on_open_change=AlbumState.set_confirm_open,
    )
