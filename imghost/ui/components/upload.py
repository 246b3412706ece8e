"""Upload pieces: the drop zone and the per-file progress list."""

from __future__ import annotations

import reflex as rx

from imghost.services import image_types
from imghost.ui.components.copy import copy_button
from imghost.ui.components.pickers import album_select, expiry_select
from imghost.ui.state.choices import NEW_ALBUM, NO_ALBUM
from imghost.ui.state.upload import UploadItem, UploadState

ACCEPT = ",".join(image_types.ALLOWED)


def dropzone() -> rx.Component:
    return rx.box(
        rx.vstack(
            rx.icon("cloud-upload", size=44, color=rx.color("accent", 9)),
            rx.heading("Drop images here", size="5", as_="h2"),
            rx.text("or paste from the clipboard, or", color=rx.color("gray", 11), size="2"),
            # assets/upload.js opens the file input on click (see there why).
            rx.button(rx.icon("folder-open", size=16), "Choose files", size="3",
                      type="button", id="choose-files"),
            rx.text(f"{image_types.allowed_labels()} · up to ", UploadState.limit_label, " each",
                    size="1", color=rx.color("gray", 10)),
            spacing="3", align="center",
        ),
        # Read by assets/upload.js; React never sees these files.
        rx.el.input(type="file", id="imghost-file-input", multiple=True, accept=ACCEPT,
                    display="none", tab_index=-1, aria_hidden="true"),
        id="imghost-dropzone", class_name="imghost-dropzone",
        padding_y=["2em", "3em"], padding_x="1em", width="100%",
        border=f"2px dashed {rx.color('accent', 7)}", border_radius="var(--radius-4)",
        background=rx.color("accent", 2),
        transition="background 120ms, border-color 120ms",
        _hover={"border_color": rx.color("accent", 9)},
        # upload.js sets data-dragging while files are dragged over the page.
        style={"&[data-dragging]": {"background": rx.color("accent", 4),
                                    "border_color": rx.color("accent", 9)}},
    )


def labelled(label: str, control: rx.Component) -> rx.Component:
    return rx.vstack(rx.text(label, size="1", weight="medium", color=rx.color("gray", 11)),
                     control, spacing="1")


def batch_options() -> rx.Component:
    """How long the next files live and which album they go into."""
    return rx.vstack(
        rx.flex(
            labelled("Expires", expiry_select(UploadState.expiry_choice,
                                              UploadState.set_expiry_choice,
                                              id="upload-expiry")),
            labelled("Album", album_select(
                UploadState.album_options, UploadState.set_album_choice, id="upload-album",
                placeholder="No album", value=UploadState.album_choice,
                extra=[(NO_ALBUM, "No album"), (NEW_ALBUM, "New album…")])),
            rx.cond(
                UploadState.album_choice == NEW_ALBUM,
                rx.form(
                    rx.hstack(
                        rx.input(value=UploadState.new_album_title,
                                 on_change=UploadState.set_new_album_title,
                                 placeholder="Album title", id="new-album-title", name="title",
                                 aria_label="New album title", max_length=200),
                        rx.button("Create", type="submit", variant="soft", id="create-album"),
                        spacing="2", align="end",
                    ),
                    on_submit=UploadState.create_album,
                    align_self="end",
                ),
            ),
            gap="1em", wrap="wrap", align="end", width="100%",
        ),
        rx.cond(UploadState.album_error != "",
                rx.text(UploadState.album_error, size="2", color=rx.color("red", 11), role="alert")),
        spacing="1", width="100%", id="upload-options",
    )


def storage_usage() -> rx.Component:
    """How much of the quota is used: shown once the page knows (after on_load)."""
    return rx.cond(
        UploadState.usage_label != "",
        rx.vstack(
            rx.hstack(
                rx.icon("hard-drive", size=16, color=rx.color("gray", 10)),
                rx.text(UploadState.usage_label, size="2", color=rx.color("gray", 11),
                        id="storage-usage"),
                spacing="2", align="center",
            ),
            rx.cond(UploadState.usage_percent > 0,
                    rx.progress(value=UploadState.usage_percent, max=100, size="1",
                                aria_label="Storage used",
                                color_scheme=rx.cond(UploadState.usage_percent >= 90, "red",
                                                     "accent"))),
            spacing="1", width="100%",
        ),
    )


def status_badge(item: UploadItem) -> rx.Component:
    return rx.match(
        item.status,
        ("done", rx.badge(rx.icon("check", size=12), "Uploaded", color_scheme="green")),
        ("error", rx.badge(rx.icon("x", size=12), "Failed", color_scheme="red")),
        ("confirming", rx.badge("Checking", color_scheme="blue")),
        ("uploading", rx.badge(item.progress.to_string() + "%", color_scheme="blue")),
        rx.badge("Waiting", color_scheme="gray"),
    )


def upload_row(item: UploadItem) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.icon("image", size=18, color=rx.color("gray", 10), flex_shrink="0"),
                rx.text(item.name, weight="medium", size="2", truncate=True, flex="1",
                        min_width="0"),
                rx.text(item.size_label, size="1", color=rx.color("gray", 10), flex_shrink="0"),
                status_badge(item),
                align="center", width="100%", spacing="2",
            ),
            rx.cond(
                (item.status == "uploading") | (item.status == "confirming"),
                rx.progress(value=item.progress, max=100, size="1", width="100%"),
            ),
            rx.cond(item.status == "error",
                    rx.text(item.error, size="2", color=rx.color("red", 11), role="alert",
                            class_name="upload-error")),
            rx.cond(
                item.status == "done",
                rx.flex(
                    rx.code(item.url, size="1", word_break="break-all", flex="1", min_width="0",
                            class_name="upload-link"),
                    rx.hstack(copy_button("Page link", item.page_url, icon="share-2", size="1"),
                              copy_button("Copy link", item.url, size="1"),
                              copy_button("Markdown", item.markdown, icon="code", size="1"),
                              spacing="2"),
                    gap="0.5em", width="100%",
                    align=rx.breakpoints(initial="start", sm="center"),
                    direction=rx.breakpoints(initial="column", sm="row"),
                ),
            ),
            spacing="2", width="100%",
        ),
        width="100%", class_name="upload-row", data_status=item.status,
    )


def upload_list() -> rx.Component:
    return rx.cond(
        UploadState.items.length() > 0,
        rx.vstack(
            rx.hstack(
                rx.heading("Files", size="4", as_="h2"),
                rx.spacer(),
                rx.cond(UploadState.finished > 0,
                        rx.button("Clear finished", on_click=UploadState.clear_finished,
                                  variant="ghost", size="1", color_scheme="gray")),
                rx.cond(UploadState.finished > 0, rx.link("Go to gallery", href="/", size="2")),
                width="100%", align="center",
            ),
            rx.foreach(UploadState.items, upload_row),
            spacing="2", width="100%", id="upload-list",
        ),
    )
