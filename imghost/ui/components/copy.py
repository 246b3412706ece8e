"""Copy-to-clipboard buttons (window.imghost.copy in assets/upload.js)."""

from __future__ import annotations

import reflex as rx
from reflex.vars.function import FunctionStringVar

from imghost.ui.state.session import SessionState

COPY = FunctionStringVar.create("window.imghost.copy")


def copy_event(text: rx.Var):
    return rx.run_script(COPY.call(text), callback=SessionState.copied)


def copy_button(label: str, text: rx.Var, icon: str = "link", **props) -> rx.Component:
    return rx.button(rx.icon(icon, size=16), label, on_click=copy_event(text),
                     variant="soft", **props)
