"""The signed-in session shared by every page: the token in localStorage.

The page shells are public; the data is not. Every page's on_load re-checks the
token, so an expired or revoked token sends the user to /login with a message.
"""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from imghost.errors import Unauthorized
from imghost.services import auth
from imghost.ui.state.service_calls import in_session

EXPIRED = "Your session has expired; please log in again."


@dataclass(frozen=True)
class SignedIn:
    user_id: int
    username: str


def _user_for_token(session, token: str) -> SignedIn:
    user = auth.user_for_token(session, token)
    return SignedIn(user_id=user.id, username=user.username)


class SessionState(rx.State):
    token: str = rx.LocalStorage("", name="imghost_token", sync=True)
    username: str = ""
    # Shown once on the login page (e.g. why the user was sent there).
    notice: str = ""

    async def _current_user(self) -> SignedIn | None:
        """The user behind the token, or None (and the stale token dropped)."""
        if not self.token:
            return None
        try:
            user = await in_session(_user_for_token, self.token)
        except Unauthorized as error:
            self.token = ""
            self.username = ""
            self.notice = EXPIRED if error.code == "token_expired" else "Please log in again."
            return None
        self.username = user.username
        return user

    def _sign_in(self, token: str, username: str):
        self.token = token
        self.username = username
        self.notice = ""
        return rx.redirect("/", replace=True)

    @rx.event
    async def require_login(self):
        """on_load of the private pages (the gallery's own load does the same first)."""
        if await self._current_user() is None:
            return rx.redirect("/login", replace=True)

    @rx.event
    async def skip_if_signed_in(self):
        """on_load of /login and /register: a signed-in user has nothing to do there."""
        if self.token and await self._current_user() is not None:
            return rx.redirect("/", replace=True)

    @rx.event
    def logout(self):
        self.token = ""
        self.username = ""
        self.notice = "You have been logged out."
        return rx.redirect("/login", replace=True)

    @rx.event
    def copied(self, ok: bool):
        """Callback of window.imghost.copy (assets/upload.js)."""
        if ok:
            return rx.toast.success("Copied to the clipboard.", duration=2000)
        return rx.toast.error("Could not copy; select the text and copy it by hand.")
