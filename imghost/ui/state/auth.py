"""Login and registration forms."""

from __future__ import annotations

import reflex as rx

from imghost.errors import Forbidden, ImghostError
from imghost.services import auth
from imghost.services.rate_limit import get_rate_limiter
from imghost.settings import get_settings
from imghost.ui.state.service_calls import hashing_in_session, user_message
from imghost.ui.state.session import SessionState


# The same rate limits as the API's doors: the UI must not be the way around them.
def _login(session, ip: str, login: str, password: str) -> tuple[str, str]:
    with get_rate_limiter().login_attempt(ip, login):
        user = auth.authenticate(session, login, password)
    return auth.issue_token(user.id)[0], user.username


def _register(session, ip: str, username: str, email: str, password: str) -> tuple[str, str]:
    if not get_settings().registration_open:
        raise Forbidden("Registration is closed on this server.", code="registration_closed")
    get_rate_limiter().hit("register_ip", ip)
    user = auth.register(session, username, email, password)
    return auth.issue_token(user.id)[0], user.username


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
            token, username = await hashing_in_session(
                _login, self.router.session.client_ip, login, password)
        except Exception as error:
            self.error = user_message(error, "login")
            return
        finally:
            self.busy = False
        yield self._sign_in(token, username)


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
            token, name = await hashing_in_session(
                _register, self.router.session.client_ip, username, email, password)
        except Exception as error:
            self.field_errors = _field_errors(error)
            self.error = "" if self.field_errors else user_message(error, "registration")
            return
        finally:
            self.busy = False
        yield self._sign_in(token, name)
