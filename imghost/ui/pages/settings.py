"""/settings: account, password, API tokens (with ShareX/curl/Flameshot configs), sessions."""

from __future__ import annotations

import reflex as rx

from imghost.services import credentials
from imghost.ui.components.copy import copy_button
from imghost.ui.components.layout import app_page, field
from imghost.ui.state.settings import EXPIRY_CHOICES, SessionRow, SettingsState, TokenRow

SCOPE_HELP = {"images:read": "list your images", "images:write": "upload",
              "images:delete": "delete images"}


def section(title: str, description: str, *children: rx.Component, **props) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(title, size="4", as_="h2"),
            rx.text(description, size="2", color=rx.color("gray", 11)),
            *children,
            spacing="3", width="100%",
        ),
        size="2", width="100%", **props,
    )


def detail(label: str, value: rx.Var) -> rx.Component:
    return rx.hstack(rx.text(label, size="2", color=rx.color("gray", 11), min_width="8em"),
                     rx.text(value, size="2", weight="medium", word_break="break-all"),
                     spacing="2", wrap="wrap")


def notice(message: rx.Var, color: str, id: str) -> rx.Component:
    return rx.cond(message != "", rx.callout(message, color_scheme=color, size="1", width="100%",
                                             id=id, role="alert" if color == "red" else "status"))


def account_section() -> rx.Component:
    return section(
        "Account", "Who you are signed in as and what you store.",
        detail("Username", SettingsState.username),
        detail("Email", SettingsState.email),
        detail("Member since", SettingsState.member_since),
        rx.box(detail("Stored", SettingsState.usage), id="settings-usage"),
    )


def password_input(name: str, autocomplete: str) -> rx.Component:
    return rx.input(name=name, id=name, type="password", auto_complete=autocomplete,
                    required=True, size="3", width="100%")


def password_section() -> rx.Component:
    return section(
        "Password", "Changing it logs out every other device.",
        notice(SettingsState.password_error, "red", "password-error"),
        notice(SettingsState.password_notice, "green", "password-notice"),
        rx.form(
            rx.vstack(
                # Lets password managers tie the new password to this account.
                rx.el.input(type="text", name="username", value=SettingsState.username,
                            auto_complete="username", read_only=True, hidden=True),
                field("Current password", password_input("current_password", "current-password")),
                field("New password", password_input("new_password", "new-password"),
                      hint="At least 8 characters."),
                field("Repeat the new password", password_input("new_password2", "new-password")),
                rx.button("Change password", type="submit", loading=SettingsState.password_busy),
                spacing="3", width="100%", align="start",
            ),
            on_submit=SettingsState.change_password, method="post", width="100%",
        ),
    )


def code_block(text: rx.Var, id: str) -> rx.Component:
    # Scrolls sideways on a phone instead of widening the page.
    return rx.box(rx.code_block(text, language="bash", id=id,
                                custom_style={"fontSize": "12px", "margin": "0"}),
                  width="100%", overflow_x="auto")


def new_token_panel() -> rx.Component:
    return rx.cond(
        SettingsState.new_token != "",
        rx.box(
            rx.vstack(
                rx.heading("Copy your new token now", size="3", as_="h3"),
                rx.text("It is shown only this once. Anyone holding it can act with its scopes.",
                        size="2"),
                rx.code(SettingsState.new_token, id="new-token", size="2", word_break="break-all",
                        variant="outline", max_width="100%"),
                rx.flex(
                    copy_button("Copy token", SettingsState.new_token, icon="copy"),
                    rx.button(rx.icon("download", size=16), "Download ShareX config",
                              on_click=SettingsState.download_sharex, variant="soft",
                              id="download-sharex"),
                    copy_button("Copy curl command", SettingsState.curl, icon="terminal"),
                    rx.button(rx.icon("download", size=16), "Download Flameshot script",
                              on_click=SettingsState.download_script, variant="soft"),
                    spacing="2", wrap="wrap",
                ),
                rx.text("Flameshot on Linux: save the script, make it executable and bind it "
                        "to a key. It needs curl, jq and wl-copy or xclip.", size="2"),
                code_block(SettingsState.script, "flameshot-script"),
                rx.text("ShareX: open the downloaded .sxcu file. macOS and plain HTTP: see "
                        "docs/clients.md.", size="2"),
                rx.button("Done, I saved it", on_click=SettingsState.dismiss_token,
                          variant="outline", size="2"),
                spacing="3", width="100%", align="start", min_width="0",
            ),
            id="new-token-panel", width="100%", min_width="0", padding="1em",
            background=rx.color("green", 3), border=f"1px solid {rx.color('green', 6)}",
            border_radius="var(--radius-3)",
        ),
    )


def token_item(token: TokenRow) -> rx.Component:
    return rx.flex(
        rx.vstack(
            rx.hstack(rx.text(token.name, weight="bold", size="2"),
                      rx.code(token.prefix, size="1", variant="ghost"), spacing="2", wrap="wrap",
                      align="center"),
            rx.text("Scopes: ", token.scopes, size="1", color=rx.color("gray", 11)),
            rx.text("Created ", token.created, " · last used ", token.last_used,
                    " · expires ", token.expires, size="1", color=rx.color("gray", 11)),
            spacing="1", min_width="0", flex="1",
        ),
        rx.button("Revoke", on_click=SettingsState.revoke_token(token.id), color_scheme="red",
                  variant="soft", size="1", aria_label=f"Revoke token {token.name}"),
        class_name="token-row", justify="between", align="center", gap="3", width="100%",
        padding_y="0.5em", border_top=f"1px solid {rx.color('gray', 4)}",
    )


def tokens_section() -> rx.Component:
    return section(
        "API tokens", "For scripts and screenshot tools (ShareX, Flameshot, curl). "
        "A token can only do what its scopes allow, and can be revoked at any time.",
        new_token_panel(),
        notice(SettingsState.token_error, "red", "token-error"),
        rx.form(
            rx.vstack(
                field("Token name", rx.input(name="name", id="token-name", size="3", width="100%",
                                             placeholder="e.g. ShareX on my desktop",
                                             max_length=100, required=True)),
                rx.el.fieldset(
                    rx.el.legend(rx.text("Scopes", size="2", weight="medium")),
                    rx.flex(
                        *[rx.el.label(
                            rx.hstack(rx.checkbox(name=scope, id=f"scope-{scope}",
                                                  default_checked=scope == "images:write"),
                                      rx.text(scope, size="2", weight="medium"),
                                      rx.text(SCOPE_HELP[scope], size="2",
                                              color=rx.color("gray", 11)),
                                      spacing="2", align="center"))
                          for scope in credentials.SCOPES],
                        direction="column", gap="2",
                    ),
                    border="none", padding="0", margin="0",
                ),
                field("Expires", rx.select(list(EXPIRY_CHOICES), name="expiry",
                                           default_value="Never", id="token-expiry")),
                rx.button(rx.icon("key-round", size=16), "Create token", type="submit"),
                spacing="3", width="100%", align="start",
            ),
            on_submit=SettingsState.create_token, width="100%",
        ),
        rx.cond(SettingsState.token_rows.length() > 0,
                rx.vstack(rx.foreach(SettingsState.token_rows, token_item), spacing="0",
                          width="100%", id="token-list"),
                rx.text("No API tokens yet.", size="2", color=rx.color("gray", 11))),
    )


def session_item(row: SessionRow) -> rx.Component:
    return rx.flex(
        rx.vstack(
            rx.hstack(rx.text(row.device, size="2", weight="medium", word_break="break-word"),
                      rx.cond(row.current, rx.badge("This device", color_scheme="green")),
                      spacing="2", wrap="wrap", align="center"),
            rx.text(row.address, " · signed in ", row.started, " · last seen ", row.last_seen,
                    size="1", color=rx.color("gray", 11)),
            spacing="1", min_width="0", flex="1",
        ),
        rx.cond(row.current, rx.fragment(),
                rx.button("End", on_click=SettingsState.end_session(row.id), variant="soft",
                          color_scheme="red", size="1", aria_label="End this session")),
        class_name="session-row", justify="between", align="center", gap="3", width="100%",
        padding_y="0.5em", border_top=f"1px solid {rx.color('gray', 4)}",
    )


def sessions_section() -> rx.Component:
    return section(
        "Sessions", "Where you are logged in. Ending a session logs that device out at once.",
        rx.vstack(rx.foreach(SettingsState.session_rows, session_item), spacing="0",
                  width="100%", id="session-list"),
        rx.button(rx.icon("log-out", size=16), "Log out everywhere",
                  on_click=SettingsState.end_all_sessions, color_scheme="red", variant="outline"),
    )


def settings_page() -> rx.Component:
    return app_page(
        rx.vstack(
            rx.heading("Settings", size="6", as_="h1"),
            notice(SettingsState.error, "red", "settings-error"),
            account_section(),
            tokens_section(),
            sessions_section(),
            password_section(),
            spacing="4", width="100%", max_width="760px", margin_x="auto",
        ),
    )
