"""/login and /register: plain forms that password managers understand."""

from __future__ import annotations

import reflex as rx

from imghost.ui.components.layout import auth_page, field
from imghost.ui.state.auth import LoginState, RegisterState
from imghost.ui.state.session import SessionState


def text_input(name: str, input_type: str, autocomplete: str, **props) -> rx.Component:
    return rx.input(name=name, id=f"field-{name}", type=input_type, auto_complete=autocomplete,
                    required=True, size="3", width="100%", **props)


def error_callout(message: rx.Var) -> rx.Component:
    return rx.cond(
        message != "",
        rx.callout(message, icon="triangle-alert", color_scheme="red", role="alert",
                   width="100%", id="form-error"),
    )


def login_page() -> rx.Component:
    return auth_page(
        "Log in", "Welcome back. Your images are waiting.",
        rx.cond(SessionState.notice != "",
                rx.callout(SessionState.notice, icon="info", width="100%", id="login-notice")),
        error_callout(LoginState.error),
        rx.form(
            rx.vstack(
                field("Username or email",
                      text_input("login", "text", "username", auto_focus=True,
                                 auto_capitalize="none", spell_check=False)),
                field("Password", text_input("password", "password", "current-password")),
                rx.button("Log in", type="submit", size="3", width="100%",
                          loading=LoginState.busy, disabled=~rx.State.is_hydrated),
                spacing="4", width="100%",
            ),
            # The submit button waits for the page's script (a disabled default button
            # also stops Enter); POST all the same, so a password never lands in a URL.
            on_submit=LoginState.submit, method="post", width="100%",
        ),
        rx.text("New here? ", rx.link("Create an account", href="/register"), size="2"),
    )


def register_page() -> rx.Component:
    errors = RegisterState.field_errors
    return auth_page(
        "Create an account", "Upload images and share links in seconds.",
        error_callout(RegisterState.error),
        rx.form(
            rx.vstack(
                field("Username", text_input("username", "text", "username", auto_focus=True,
                                             auto_capitalize="none", spell_check=False,
                                             min_length=3, max_length=50),
                      errors.get("username", ""), "3-50 letters, digits, '_', '.' or '-'."),
                field("Email", text_input("email", "email", "email"), errors.get("email", "")),
                field("Password", text_input("password", "password", "new-password",
                                             min_length=8),
                      errors.get("password", ""), "At least 8 characters."),
                field("Repeat password", text_input("password2", "password", "new-password",
                                                    min_length=8),
                      errors.get("password2", "")),
                rx.button("Create account", type="submit", size="3", width="100%",
                          loading=RegisterState.busy, disabled=~rx.State.is_hydrated),
                spacing="4", width="100%",
            ),
            on_submit=RegisterState.submit, method="post", width="100%",
        ),
        rx.text("Already have an account? ", rx.link("Log in", href="/login"), size="2"),
    )
