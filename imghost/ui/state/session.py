"""The signed-in session shared by every page: the token in localStorage.

The page shells are public; the data is not. Every page's on_load re-checks the
token, so an expired or revoked token sends the user to /login with a message.
"""

from __future__ import annotations

import reflex as rx

from imghost.errors import Unauthorized
from imghost.services import accounts, sessions
from imghost.services.accounts import AccountPublic
from imghost.ui.state.service_calls import run_as, run_as_hashing, user_message

EXPIRED = "Your session has expired; please log in again."
ENDED = "Your session was ended; please log in again."


class SignedOut(Exception):
    """The token names no one (any more): the page sends the user to /login."""


class SessionState(rx.State):
    token: str = rx.LocalStorage("", name="imghost_token", sync=True)
    username: str = ""
    # Shown once on the login page (e.g. why the user was sent there).
    notice: str = ""

    async def _as_user(self, action, *args, hashing: bool = False):
        """action(ctx, user, *args) for the signed-in user, in one runner call (on the
        bcrypt threads when `hashing`); SignedOut (and the stale token dropped) when the
        token names no one."""
        if not self.token:
            raise SignedOut
        try:
            return await (run_as_hashing if hashing else run_as)(self.token, action, *args)
        except Unauthorized as error:
            self.token = ""
            self.username = ""
            self.notice = (EXPIRED if error.code == "token_expired" else
                           ENDED if error.code == "session_ended" else "Please log in again.")
            raise SignedOut from None

    async def _current_user(self) -> AccountPublic | None:
        """The user behind the token, or None."""
        try:
            user = await self._as_user(accounts.profile)
        except SignedOut:
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
    async def logout(self):
        """End the session on the server too: a copy of the token is useless from now on."""
        try:
            await self._as_user(sessions.log_out)
        except SignedOut:
            pass  # already ended elsewhere
        except Exception as error:  # the server is unreachable: still forget the token here
            user_message(error, "logout")
        return self._signed_out("You have been logged out.")

    def _signed_out(self, notice: str):
        self.token = ""
        self.username = ""
        self.notice = notice
        return rx.redirect("/login", replace=True)

    @rx.event
    def copied(self, ok: bool):
        """Callback of window.imghost.copy (assets/upload.js)."""
        if ok:
            return rx.toast.success("Copied to the clipboard.", duration=2000)
        return rx.toast.error("Could not copy; select the text and copy it by hand.")
