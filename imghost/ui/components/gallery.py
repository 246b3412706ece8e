"""Gallery pieces: the page slots of tiles, the edges that load more, the empty state."""

from __future__ import annotations

import reflex as rx

from imghost.ui.components.layout import link_button
from imghost.ui.state.formatting import GalleryImage
from imghost.ui.state.gallery import GalleryState
from imghost.ui.state.gallery_window import SLOTS

# The width a tile takes at each breakpoint (columns: 2, 3 from 520 px, 4 from 768 px,
# 5 from 1280 px): the browser picks the thumbnail or the display size from srcset.
TILE_SIZES = "(min-width: 1280px) 230px, (min-width: 768px) 25vw, (min-width: 520px) 33vw, 50vw"
COVER = {"position": "absolute", "inset": "0", "width": "100%", "height": "100%",
         "objectFit": "cover", "display": "block"}
FOCUS_RING = {"outline": f"3px solid {rx.color('accent', 9)}", "outline_offset": "2px"}


def check_box(image: GalleryImage, selected: rx.Var) -> rx.Component:
    return rx.el.button(
        rx.cond(selected, rx.icon("check", size=16), rx.fragment()),
        on_click=lambda info: GalleryState.toggle(image.id, info),
        role="checkbox", aria_checked=rx.cond(selected, "true", "false"),
        aria_label="Select " + image.filename, class_name="tile-check",
        position="absolute", top="0.4em", left="0.4em", width="28px", height="28px",
        display="flex", align_items="center", justify_content="center", padding="0",
        border_radius="var(--radius-2)", cursor="pointer", z_index="1",
        border=f"2px solid {rx.color('gray', 1)}",
        color=rx.color("gray", 1), box_shadow="0 0 0 1px rgba(0,0,0,0.35)",
        background=rx.cond(selected, rx.color("accent", 9), "rgba(0,0,0,0.35)"),
        _focus_visible=FOCUS_RING,
    )


def tile(image: GalleryImage) -> rx.Component:
    selected = GalleryState.selected_ids.contains(image.id)
    # A square box whatever the image, sized before anything loads: no layout shift.
    # Only attributes vary per tile, never style props: each distinct style value would
    # be an Emotion rule kept for the life of the tab (see processing/blur.py).
    picture = rx.box(
        rx.cond(image.preview != "",
                rx.el.img(src=image.preview, alt="", aria_hidden="true", class_name="tile-preview",
                          style=COVER)),
        rx.el.img(src=image.thumb, src_set=image.srcset, sizes=TILE_SIZES,
                  alt=image.filename, loading="lazy", decoding="async",
                  # Attributes (Reflex would turn width=/height= props into CSS rules).
                  custom_attrs={"width": image.thumb_width, "height": image.thumb_height},
                  # A thumbnail that fails shows the preview, not its alt text over it
                  # (the alt text is still what assistive technology reads).
                  style={**COVER, "color": "transparent"}),
        aspect_ratio="1", width="100%", overflow="hidden", position="relative",
        background=rx.color("gray", 4),
    )
    return rx.box(
        rx.el.button(
            picture,
            rx.text(image.filename, size="1", truncate=True, padding_x="0.5em",
                    padding_y="0.4em", color=rx.color("gray", 12), text_align="left"),
            on_click=lambda info: GalleryState.tile_click(image.id, info),
            aria_label=rx.cond(GalleryState.selected_ids.length() > 0,
                               "Select or unselect " + image.filename, "Open " + image.filename),
            class_name="tile-open", data_id=image.id,
            width="100%", padding="0", cursor="pointer", overflow="hidden", display="block",
            border="none", background="transparent", color="inherit", font="inherit",
            border_radius="var(--radius-4)", _focus_visible=FOCUS_RING,
        ),
        check_box(image, selected),
        key=image.id,
        class_name="gallery-tile", data_id=image.id,
        data_selected=rx.cond(selected, "true", "false"),
        position="relative", border_radius="var(--radius-4)", background=rx.color("gray", 3),
        border=rx.cond(selected, f"2px solid {rx.color('accent', 9)}",
                       f"2px solid {rx.color('gray', 5)}"),
        _hover={"border_color": rx.color("accent", 8)},
    )


def page_slot(slot: int) -> rx.Component:
    items = getattr(GalleryState, f"slot_{slot}")
    return rx.grid(
        rx.foreach(items, tile),
        columns=rx.breakpoints(initial="2", xs="3", sm="4", lg="5"),
        spacing=rx.breakpoints(initial="2", sm="4"),
        width="100%", class_name="gallery-page", data_slot=str(slot),
        display=rx.cond(items.length() > 0, "grid", "none"),
    )


def slot_in_place(slot: rx.Var) -> rx.Component:
    # Keyed by slot: when the order changes React moves the slot's element, keeping
    # its tiles (and their loaded pictures) instead of rebuilding them.
    return rx.fragment(
        rx.match(slot, *[(k, page_slot(k)) for k in range(SLOTS)], rx.fragment()),
        key=slot,
    )


def edge_button(label: str, icon: str, cursor: rx.Var, on_click, element_id: str,
                ) -> rx.Component:
    """A visible button at the window's edge; assets/gallery.js presses it when it
    scrolls into view (infinite scroll), anyone can press it by hand."""
    return rx.cond(
        cursor != "",
        rx.center(
            rx.button(rx.icon(icon, size=16), label, on_click=on_click, variant="soft",
                      size="3", loading=GalleryState.loading, id=element_id,
                      data_cursor=cursor),
            padding_y="1.25em",
        ),
    )


def grid() -> rx.Component:
    return rx.vstack(
        edge_button("Show newer images", "arrow-up", GalleryState.newer_cursor,
                    GalleryState.load_newer, "load-newer"),
        rx.flex(rx.foreach(GalleryState.slot_order, slot_in_place), direction="column",
                gap=rx.breakpoints(initial="0.5rem", sm="1rem"), width="100%",
                id="gallery-grid"),
        edge_button("Load more", "arrow-down", GalleryState.older_cursor,
                    GalleryState.load_more, "load-more"),
        spacing="0", width="100%",
    )


def empty_state() -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.icon("image-plus", size=48, color=rx.color("accent", 9)),
            rx.heading("No images yet", size="5", as_="h2"),
            rx.text("Upload your first image and it will show up here.",
                    color=rx.color("gray", 11), text_align="center"),
            link_button("Upload images", "upload", "/upload", size="3"),
            spacing="3", align="center",
        ),
        id="gallery-empty", padding_y="4em", width="100%",
        border=f"2px dashed {rx.color('gray', 6)}", border_radius="var(--radius-4)",
    )


def no_matches() -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.icon("search-x", size=40, color=rx.color("gray", 10)),
            rx.heading("Nothing matches", size="4", as_="h2"),
            rx.button("Clear filters", on_click=GalleryState.clear_filters, variant="soft"),
            spacing="3", align="center",
        ),
        id="gallery-no-matches", padding_y="3em", width="100%",
    )
