"""Selects for expiry and albums (Radix selects; values are strings)."""

from __future__ import annotations

import reflex as rx

from imghost.ui.state.choices import EXPIRY_CHOICES, AlbumOption

# Radix draws a placeholder in gray-a10, below WCAG AA contrast in light and dark
# (axe-core, tests/e2e/test_gallery.py): gray 11 reads as a placeholder and passes.
PLACEHOLDER_TEXT = {"&[data-placeholder] .rt-SelectTriggerInner": {"color": rx.color("gray", 11)}}


def expiry_select(value: rx.Var, on_change, id: str, placeholder: str = "Expires",
                  **props) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(id=id, aria_label="Expires", placeholder=placeholder,
                          style=PLACEHOLDER_TEXT),
        rx.select.content(*[rx.select.item(label, value=key) for key, label in EXPIRY_CHOICES]),
        value=value, on_change=on_change, **props,
    )


def album_select(options: rx.Var, on_change, id: str, placeholder: str,
                 value: rx.Var | str = "", extra: list[tuple[str, str]] = (),
                 **props) -> rx.Component:
    """The user's albums, plus fixed entries (e.g. "No album", "New album…") first."""
    def item(option: AlbumOption) -> rx.Component:
        return rx.select.item(option.title, value=option.id)

    return rx.select.root(
        rx.select.trigger(placeholder=placeholder, id=id, aria_label=placeholder,
                          style=PLACEHOLDER_TEXT),
        rx.select.content(*[rx.select.item(label, value=key) for key, label in extra],
                          rx.foreach(options, item)),
        value=value, on_change=on_change, **props,
    )
