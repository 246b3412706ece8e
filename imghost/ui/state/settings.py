"""/settings: the account, the password, sessions and API tokens with client configs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import reflex as rx

from imghost.runtime import get_runtime
from imghost.services import accounts, client_configs, credentials, sessions, tokens
from imghost.services.labels import utc_label
from imghost.ui.state.formatting import human_size
from imghost.ui.state.service_calls import user_message
from imghost.ui.state.session import SessionState, SignedOut

EXPIRY_CHOICES = {"Never": None, "30 days": 30, "90 days": 90, "1 year": 365}


def when(moment: datetime | None) -> str:
    return utc_label(moment) if moment else "never"


@dataclass
class SessionRow:
    id: int = 0
    device: str = ""
    address: str = ""
    started: str = ""
    last_seen: str = ""
    current: bool = False


@dataclass
class TokenRow:
    id: int = 0
    name: str = ""
    scopes: str = ""
    prefix: str = ""
    created: str = ""
    expires: str = ""
    last_used: str = ""


def session_row(info: sessions.SessionInfo) -> SessionRow:
    return SessionRow(id=info.id, device=info.user_agent[:120] or "Unknown device",
                      address=info.ip_address or "unknown address", started=when(info.created_at),
                      last_seen=when(info.last_seen_at), current=info.current)


def token_row(info: tokens.TokenInfo) -> TokenRow:
    return TokenRow(id=info.id, name=info.name, scopes=", ".join(info.scopes),
                    prefix=f"{info.prefix}…", created=when(info.created_at),
                    expires=when(info.expires_at), last_used=when(info.last_used_at))


class SettingsState(SessionState):
    loaded: bool = False
    error: str = ""
    email: str = ""
    member_since: str = ""
    usage: str = ""
    password_error: str = ""
    password_notice: str = ""
    password_busy: bool = False
    session_rows: list[SessionRow] = []
    token_rows: list[TokenRow] = []
    token_error: str = ""
    # The token just created: shown this once, with the configs that carry it.
    new_token: str = ""
    new_token_name: str = ""
    sharex: str = ""
    sharex_filename: str = ""
    curl: str = ""
    script: str = ""

    async def _refresh(self) -> None:
        user = await self._as_user(accounts.profile)
        self.username, self.email = user.username, user.email
        self.member_since = user.created_at.strftime("%Y-%m-%d")
        self.usage = (f"{user.image_count} image{'' if user.image_count == 1 else 's'}, "
                      f"{human_size(user.bytes_stored)} stored")
        self.session_rows = [session_row(s) for s in await self._as_user(sessions.list_sessions)]
        self.token_rows = [token_row(t) for t in await self._as_user(tokens.list_tokens)]

    @rx.event
    async def load(self):
        self.new_token = ""
        try:
            await self._refresh()
        except SignedOut:
            return rx.redirect("/login", replace=True)
        except Exception as error:
            self.error = user_message(error, "loading settings")
        self.loaded = True

    @rx.event
    async def change_password(self, form: dict):
        self.password_error = self.password_notice = ""
        current, new = str(form.get("current_password", "")), str(form.get("new_password", ""))
        if new != str(form.get("new_password2", "")):
            self.password_error = "The two new passwords differ."
            return
        self.password_busy = True
        yield
        try:
            ended = await self._as_user(accounts.change_password, current, new, hashing=True)
            self.password_notice = (f"Password changed. {ended} other session"
                                    f"{'' if ended == 1 else 's'} ended.")
            await self._refresh()
            yield rx.set_value("current_password", "")
            yield rx.set_value("new_password", "")
            yield rx.set_value("new_password2", "")
        except SignedOut:
            yield rx.redirect("/login", replace=True)
        except Exception as error:
            self.password_error = user_message(error, "changing the password")
        finally:
            self.password_busy = False

    @rx.event
    async def end_session(self, session_id: int):
        try:
            await self._as_user(sessions.end, session_id)
            await self._refresh()
            yield rx.toast.success("Session ended.", duration=2000)
        except SignedOut:
            yield rx.redirect("/login", replace=True)
        except Exception as error:
            yield rx.toast.error(user_message(error, "ending a session"))

    @rx.event
    async def end_all_sessions(self):
        try:
            await self._as_user(sessions.end_all)
        except SignedOut:
            pass
        except Exception as error:
            return rx.toast.error(user_message(error, "logging out everywhere"))
        return self._signed_out("You have been logged out everywhere.")

    @rx.event
    async def create_token(self, form: dict):
        self.token_error = ""
        scopes = [scope for scope in credentials.SCOPES if form.get(scope)]
        expiry = EXPIRY_CHOICES.get(str(form.get("expiry", "Never")))
        try:
            created = await self._as_user(tokens.create, str(form.get("name", "")), scopes, expiry)
            await self._refresh()
        except SignedOut:
            return rx.redirect("/login", replace=True)
        except Exception as error:
            self.token_error = user_message(error, "creating a token")
            return
        site = self._site_url()
        self.new_token, self.new_token_name = created.token, created.name
        self.sharex = client_configs.sharex_config(site, created.token)
        self.sharex_filename = client_configs.sharex_filename(site)
        self.curl = client_configs.curl_command(site, created.token)
        self.script = client_configs.flameshot_script(site, created.token)
        return rx.set_value("token-name", "")

    @staticmethod
    def _site_url() -> str:
        return get_runtime().settings.site_url

    @rx.event
    def dismiss_token(self):
        self.new_token = self.sharex = self.curl = self.script = ""

    @rx.event
    def download_sharex(self):
        return rx.download(data=self.sharex, filename=self.sharex_filename,
                           mime_type="application/json")

    @rx.event
    def download_script(self):
        return rx.download(data=self.script, filename="imghost-flameshot.sh",
                           mime_type="text/x-shellscript")

    @rx.event
    async def revoke_token(self, token_id: int):
        try:
            await self._as_user(tokens.revoke, token_id)
            await self._refresh()
            yield rx.toast.success("Token revoked.", duration=2000)
        except SignedOut:
            yield rx.redirect("/login", replace=True)
        except Exception as error:
            yield rx.toast.error(user_message(error, "revoking a token"))
