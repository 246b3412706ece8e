"""Login and registration forms."""

from __future__ import annotations

import reflex as rx

from imghost.errors import ImghostError
from imghost.services import accounts
from imghost.ui.state.service_calls import run_hashing, user_message
from imghost.ui.state.session import SessionState


def _field_errors(error: Exception) -> dict[str, str]:
    listed = error.errors if isinstance(error, ImghostError) else []
    return {e["field"]: e["message"] for e in listed if e.get("field")}


class LoginState(SessionState):
    error: str = ""
    busy: bool = False

    @rx.event
    async def submit(self, form: dict):
        self.error = ""
        login, password = str(form.get("login", "")).strip(), str(form.get("password", ""))
        if not login or not password:
            self.error = "Enter your username (or email) and password."
            return
        self.busy = True
        yield
        try:
            logged_in = await run_hashing(accounts.log_in, login, password,
                                          self.router.session.client_ip,
                                          self.router.headers.user_agent)
        except Exception as error:
            self.error = user_message(error, "login")
            return
        finally:
            self.busy = False
        yield self._sign_in(logged_in.token, logged_in.user.username)


class RegisterState(SessionState):
    error: str = ""
    field_errors: dict[str, str] = {}
    busy: bool = False

    @rx.event
    async def submit(self, form: dict):
        self.error, self.field_errors = "", {}
        username = str(form.get("username", "")).strip()
        email = str(form.get("email", "")).strip()
        password, repeated = str(form.get("password", "")), str(form.get("password2", ""))
        if password != repeated:
            self.field_errors = {"password2": "The two passwords differ."}
            return
        self.busy = True
        yield
        try:
            signed_up = await run_hashing(accounts.sign_up, username, email, password,
                                          self.router.session.client_ip,
                                          self.router.headers.user_agent)
        except Exception as error:
            self.field_errors = _field_errors(error)
            self.error = "" if self.field_errors else user_message(error, "registration")
            return
        finally:
            self.busy = False
        yield self._sign_in(signed_up.token, signed_up.user.username)
