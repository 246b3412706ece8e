"""The page shell: navbar for signed-in pages, a centred card for the auth pages."""

from __future__ import annotations

import reflex as rx

from imghost.ui.state.session import SessionState
from imghost.ui.state.upload import UploadState


def nav_link(label: str, icon: str, href: str) -> rx.Component:
    # The label hides on phones; the icon (and aria-label) remain.
    return rx.link(
        rx.hstack(rx.icon(icon, size=18), rx.text(label, display=["none", "inline"]),
                  spacing="2", align="center"),
        href=href, aria_label=label, underline="none", color=rx.color("gray", 12),
        padding_x="0.5em", padding_y="0.35em", border_radius="var(--radius-3)",
        _hover={"background": rx.color("gray", 4)},
    )


def navbar() -> rx.Component:
    return rx.el.header(
        rx.hstack(
            rx.link(
                rx.hstack(rx.icon("images", size=22, color=rx.color("accent", 10)),
                          # Not the page's h1: each page has its own.
                          rx.heading("imghost", size="5", weight="bold", as_="div"),
                          spacing="2", align="center"),
                href="/", underline="none", color=rx.color("gray", 12), aria_label="imghost home",
            ),
            rx.hstack(
                nav_link("Gallery", "layout-grid", "/"),
                nav_link("Albums", "book-image", "/albums"),
                nav_link("Upload", "upload", "/upload"),
                nav_link("Settings", "settings", "/settings"),
                spacing="1", align="center",
            ),
            rx.spacer(),
            rx.text(SessionState.username, size="2", color=rx.color("gray", 11),
                    display=["none", "none", "block"], id="navbar-username"),
            rx.color_mode.button(size="2", variant="ghost", aria_label="Toggle light and dark"),
            rx.button(rx.icon("log-out", size=16), rx.text("Log out", display=["none", "inline"]),
                      on_click=SessionState.logout, variant="soft", color_scheme="gray",
                      size="2", aria_label="Log out"),
            spacing="3", align="center", max_width="1200px", margin_x="auto",
            padding_x=["0.75em", "1.5em"], padding_y="0.75em",
        ),
        position="sticky", top="0", z_index="10", width="100%",
        background=rx.color("gray", 1, alpha=True), backdrop_filter="blur(8px)",
        border_bottom=f"1px solid {rx.color('gray', 5)}",
    )


def upload_sync() -> rx.Component:
    """The hidden button assets/upload.js clicks to hand its news to UploadState.sync.

    On every signed-in page, so uploads still get confirmed after the user has
    moved on from /upload to the gallery.
    """
    return rx.el.button(
        on_click=rx.call_script("window.imghost ? window.imghost.drain() : {}",
                                callback=UploadState.sync),
        id="imghost-upload-sync", type="button", display="none", tab_index=-1,
        aria_hidden="true")


def app_page(*children: rx.Component) -> rx.Component:
    return rx.box(
        navbar(),
        upload_sync(),
        rx.el.main(*children, max_width="1200px", margin_x="auto",
                   padding_x=["0.75em", "1.5em"], padding_y=["1em", "1.5em"]),
        min_height="100vh", background=rx.color("gray", 2),
    )


def auth_page(title: str, subtitle: str, *children: rx.Component) -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.hstack(rx.icon("images", size=28, color=rx.color("accent", 10)),
                      rx.heading("imghost", size="7", weight="bold", as_="div"),
                      rx.spacer(),
                      rx.color_mode.button(size="2", variant="ghost",
                                           aria_label="Toggle light and dark"),
                      spacing="2", align="center", width="100%"),
            rx.card(
                rx.vstack(
                    rx.heading(title, size="6", as_="h1"),
                    rx.text(subtitle, size="2", color=rx.color("gray", 11)),
                    *children,
                    spacing="4", width="100%",
                ),
                size="3", width="100%",
            ),
            spacing="4", width="100%", max_width="420px",
        ),
        min_height="100vh", padding="1em", background=rx.color("gray", 2),
    )


def field(label: str, control: rx.Component, error: rx.Var | str = "",
          hint: str = "") -> rx.Component:
    """A labelled input with its validation message right under it."""
    quiet = rx.text(hint, size="1", color=rx.color("gray", 10)) if hint else rx.fragment()
    message = quiet if isinstance(error, str) else rx.cond(
        error != "", rx.text(error, size="1", color=rx.color("red", 11), role="alert"), quiet)
    return rx.vstack(
        rx.el.label(rx.text(label, size="2", weight="medium"), html_for=control.id),
        control, message,
        spacing="1", width="100%",
    )


def link_button(label: str, icon: str, href: rx.Var | str, external: bool = False,
                **props) -> rx.Component:
    """A link dressed as a button: one <a>, not a <button> nested inside an <a>."""
    link = (rx.el.a(rx.icon(icon, size=16), label, href=href, target="_blank",
                    rel="noopener noreferrer")
            if external else rx.link(rx.icon(icon, size=16), label, href=href, underline="none"))
    return rx.button(link, as_child=True, **props)
