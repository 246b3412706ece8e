"""Registers every page on the app."""

from __future__ import annotations

import reflex as rx


def register_pages(app: rx.App) -> None:
    app.add_page(lambda: rx.center(rx.heading("imghost")), route="/", title="imghost")
