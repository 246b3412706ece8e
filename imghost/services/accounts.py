"""Account actions: sign up, log in, find the caller behind a token, create a user.

Each action owns its whole policy (registration switch, rate limits, metrics, audit
line); the API routes, the Reflex states and the CLI only parse and shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import select

from imghost.errors import Forbidden, Unauthorized
from imghost.models import User
from imghost.services import auth, known_addresses
from imghost.services.context import Context


@dataclass(frozen=True)
class LoggedIn:
    token: str
    expires_at: datetime
    user: User


def sign_up(ctx: Context, username: str, email: str, password: str, client_ip: str) -> LoggedIn:
    """A new account, logged in. A closed server refuses before counting the attempt."""
    if not ctx.settings.registration_open:
        raise Forbidden("Registration is closed on this server.", code="registration_closed")
    ctx.limiter.hit("register_ip", client_ip)
    user = auth.add_user(ctx.session, username, email, password, ctx.settings.bcrypt_rounds)
    known_addresses.remember(ctx, user, client_ip)  # logged in from here, in effect
    ctx.metrics.signed_up()
    ctx.audit("user signed up", user_id=user.id, username=user.username, client=client_ip)
    return _logged_in(ctx, user)


def create_user(ctx: Context, username: str, email: str, password: str) -> User:
    """The operator's way in (`imghost create-user`): works with registration closed."""
    user = auth.add_user(ctx.session, username, email, password, ctx.settings.bcrypt_rounds)
    ctx.audit("user created by operator", user_id=user.id, username=user.username)
    return user


def log_in(ctx: Context, login: str, password: str, client_ip: str) -> LoggedIn:
    """A token for a username-or-email and password; one message for every failure.

    Every attempt counts against the caller's address. Attempts on an account from a
    network it never logged in from also count against the account, counted before
    the password is checked, so parallel guesses cannot slip past the limit; the
    owner's known networks are not held by it (services/known_addresses.py)."""
    ctx.limiter.hit("login_ip", client_ip)
    user = auth.find_login(ctx.session, login)
    if user is None or not known_addresses.is_known(ctx, user, client_ip):
        ctx.limiter.hit("login_account", _account_key(user, login))
    try:
        user = auth.check_login_password(user, password, ctx.settings.bcrypt_rounds)
    except Unauthorized:
        ctx.metrics.logged_in(ok=False)
        raise
    known_addresses.remember(ctx, user, client_ip)
    ctx.metrics.logged_in(ok=True)
    return _logged_in(ctx, user)


def _account_key(user: User | None, login: str) -> str:
    # The id: the username in any case and the email are one account. A name that
    # names no one still gets a counter, so guessing looks the same either way.
    return f"user:{user.id}" if user is not None else f"login:{(login or '').strip().lower()[:320]}"


def caller(ctx: Context, token: str) -> User:
    """The user a bearer token names; Unauthorized when it names no one (any more)."""
    return auth.user_for_token(ctx.session, ctx.settings, token)


def profile(_ctx: Context, user: User) -> User:
    """The caller's own account (GET /api/auth/me, the UI's session check)."""
    return user


def stored_totals(ctx: Context) -> tuple[int, int, int]:
    """Users, images and original bytes stored, for the operator's metrics."""
    return ctx.session.exec(select(
        func.count(User.id), func.coalesce(func.sum(User.image_count), 0),
        func.coalesce(func.sum(User.bytes_stored), 0))).one()


def _logged_in(ctx: Context, user: User) -> LoggedIn:
    token, expires_at = auth.issue_token(ctx.settings, user.id, ctx.clock())
    return LoggedIn(token=token, expires_at=expires_at, user=user)
