"""Above the grid: search and filters, and the bar of what to do with a selection."""

from __future__ import annotations

import reflex as rx

from imghost.services import image_types
from imghost.ui.components.pickers import album_select, expiry_select
from imghost.ui.state.gallery import GalleryState

TYPE_CHOICES = [("all", "All types")] + [(t.content_type, t.label)
                                          for t in image_types.ALLOWED.values()]
SORT_CHOICES = [("newest", "Newest first"), ("oldest", "Oldest first"),
                ("largest", "Largest first")]


def labelled(label: str, control: rx.Component, html_for: str) -> rx.Component:
    return rx.vstack(
        rx.el.label(rx.text(label, size="1", weight="medium", color=rx.color("gray", 11)),
                    html_for=html_for),
        control, spacing="1",
    )


def choice(element_id: str, choices: list[tuple[str, str]], value, on_change,
           label: str) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(id=element_id, aria_label=label, min_width="9em"),
        rx.select.content(*[rx.select.item(text, value=key) for key, text in choices]),
        value=value, on_change=on_change,
    )


def filters() -> rx.Component:
    return rx.flex(
        labelled("Search", rx.input(
            rx.input.slot(rx.icon("search", size=16)),
            placeholder="Filename contains…", value=GalleryState.q,
            on_change=GalleryState.set_search.debounce(350), id="gallery-search",
            type="search", width="100%"), "gallery-search"),
        labelled("Type", choice("gallery-type", TYPE_CHOICES, GalleryState.type_filter,
                                GalleryState.set_type_filter, "Type"), "gallery-type"),
        labelled("From", rx.input(type="date", value=GalleryState.date_from,
                                  on_change=GalleryState.set_date_from, id="gallery-from"),
                 "gallery-from"),
        labelled("To", rx.input(type="date", value=GalleryState.date_to,
                                on_change=GalleryState.set_date_to, id="gallery-to"),
                 "gallery-to"),
        labelled("Sort", choice("gallery-sort", SORT_CHOICES, GalleryState.sort,
                                GalleryState.set_sort, "Sort"), "gallery-sort"),
        wrap="wrap", gap="0.75em", align="end", width="100%", margin_bottom="1em",
        role="search",
    )


def selection_bar() -> rx.Component:
    count = GalleryState.selected_ids.length()
    return rx.flex(
        rx.text(count.to_string() + " selected", weight="medium", id="selection-count",
                aria_live="polite"),
        rx.spacer(),
        rx.button(rx.icon("check-check", size=16), "Select all loaded",
                  on_click=GalleryState.select_all_loaded, variant="soft", color_scheme="gray",
                  id="select-all"),
        rx.button(rx.icon("download", size=16), "Download zip",
                  on_click=GalleryState.download_selection, variant="soft",
                  loading=GalleryState.bulk_busy, id="download-zip"),
        album_select(GalleryState.album_options, GalleryState.add_selection_to_album,
                     id="selection-album", placeholder="Add to album", value=""),
        expiry_select("", GalleryState.set_selection_expiry, id="selection-expiry",
                      placeholder="Set expiry"),
        bulk_delete(),
        rx.button("Clear", on_click=GalleryState.clear_selection, variant="ghost",
                  color_scheme="gray", id="clear-selection"),
        wrap="wrap", gap="0.5em", align="center", width="100%", padding="0.6em 0.9em",
        margin_bottom="1em", border_radius="var(--radius-4)", id="selection-bar",
        background=rx.color("gray", 1), border=f"2px solid {rx.color('accent', 8)}",
        position="sticky", top="4.25em", z_index="5",
    )


def bulk_delete() -> rx.Component:
    count = GalleryState.selected_ids.length()
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button(rx.icon("trash-2", size=16), "Delete", color_scheme="red", variant="outline",
                      id="delete-selected"),
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Delete " + count.to_string() + " images?"),
            rx.alert_dialog.description("They will be removed for good, and their links stop "
                                        "working."),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.button("Delete", color_scheme="red", on_click=GalleryState.delete_selection,
                          loading=GalleryState.bulk_busy, id="confirm-bulk-delete"),
                spacing="3", justify="end", margin_top="1em",
            ),
            max_width="420px",
        ),
        open=GalleryState.bulk_confirm_open,
        on_open_change=GalleryState.set_bulk_confirm_open,
    )
