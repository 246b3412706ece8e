"""/albums: the user's albums; /albums/[album_key]: one album."""

from __future__ import annotations

import reflex as rx

from imghost.ui.components.albums import (
    GRID_COLUMNS,
    album_grid,
    album_tile,
    delete_album_button,
    new_album_form,
    share_panel,
)
from imghost.ui.components.layout import app_page, link_button
from imghost.ui.state.albums import AlbumsState, AlbumState


def error_callout(message: rx.Var) -> rx.Component:
    return rx.cond(message != "", rx.callout(message, icon="triangle-alert", color_scheme="red",
                                             width="100%"))


def albums_page() -> rx.Component:
    return app_page(
        rx.vstack(
            rx.heading("Albums", size="6", as_="h1"),
            new_album_form(),
            error_callout(AlbumsState.error),
            rx.cond(
                AlbumsState.loaded,
                rx.cond(AlbumsState.albums.length() > 0, album_grid(),
                        rx.text("No albums yet: give one a title above, or choose “New album” "
                                "when you upload.", color=rx.color("gray", 11), id="albums-empty")),
                rx.center(rx.spinner(size="3"), padding_y="4em", width="100%"),
            ),
            rx.cond(AlbumsState.next_cursor != "",
                    rx.button("Load more", on_click=AlbumsState.load_more, variant="soft")),
            spacing="4", width="100%",
        ),
    )


def album_page() -> rx.Component:
    return app_page(
        rx.vstack(
            rx.link(rx.hstack(rx.icon("arrow-left", size=16), "Albums", align="center",
                              spacing="1"), href="/albums", size="2"),
            error_callout(AlbumState.error),
            rx.cond(
                AlbumState.loaded & (AlbumState.error == ""),
                rx.vstack(
                    rx.flex(
                        rx.vstack(
                            rx.heading(AlbumState.title, size="6", as_="h1", id="album-heading"),
                            rx.text(rx.cond(AlbumState.count == 1, "1 image",
                                            AlbumState.count.to_string() + " images"),
                                    size="2", color=rx.color("gray", 11)),
                            spacing="1",
                        ),
                        rx.spacer(),
                        delete_album_button(),
                        width="100%", align="end", gap="1em", wrap="wrap",
                    ),
                    rx.cond(AlbumState.description != "",
                            rx.text(AlbumState.description, white_space="pre-line")),
                    share_panel(),
                    rx.cond(
                        AlbumState.images.length() > 0,
                        rx.grid(rx.foreach(AlbumState.images, album_tile), columns=GRID_COLUMNS,
                                spacing=rx.breakpoints(initial="2", sm="4"), width="100%",
                                id="album-images"),
                        rx.vstack(
                            rx.text("No images in this album yet. Add them from the gallery "
                                    "(open an image, “Add to album”) or choose the album when "
                                    "you upload.", color=rx.color("gray", 11)),
                            link_button("Go to the gallery", "layout-grid", "/", variant="soft"),
                            id="album-empty", spacing="3",
                        ),
                    ),
                    rx.cond(AlbumState.next_cursor != "",
                            rx.button("Load more", on_click=AlbumState.load_more, variant="soft")),
                    spacing="4", width="100%",
                ),
                rx.cond(AlbumState.error == "",
                        rx.center(rx.spinner(size="3"), padding_y="4em", width="100%")),
            ),
            spacing="4", width="100%",
        ),
    )
