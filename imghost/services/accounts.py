"""Account actions: sign up, log in, find the caller behind a token, change the password.

Each action owns its whole policy (registration switch, rate limits, metrics, audit
line); the API routes, the Reflex states and the CLI only parse and shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, update
from sqlmodel import select

from imghost.errors import Forbidden, Invalid, Unauthorized
from imghost.models import User
from imghost.services import auth, credentials, known_addresses, quota, sessions
from imghost.services.context import Context, reads_only

# "Last seen" of a session and "last used" of a token are written at most this often.
TOUCH_INTERVAL = timedelta(minutes=1)


@dataclass(frozen=True)
class AccountPublic:
    """What a user sees of their own account (the API's UserOut, the upload page)."""

    id: int
    username: str
    email: str
    image_count: int
    bytes_stored: int
    quota_bytes: int | None  # what applies to them; None: unlimited
    created_at: datetime


@dataclass(frozen=True)
class LoggedIn:
    token: str
    expires_at: datetime | None
    user: AccountPublic


def account_of(ctx: Context, user: User) -> AccountPublic:
    return AccountPublic(id=user.id, username=user.username, email=user.email,
                         image_count=user.image_count, bytes_stored=user.bytes_stored,
                         quota_bytes=quota.quota_of(ctx, user), created_at=user.created_at)


def sign_up(ctx: Context, username: str, email: str, password: str, client_ip: str,
            user_agent: str = "", start_session: bool = True) -> LoggedIn:
    """A new account, logged in unless start_session is False (the API's register answers
    with the user only, and a session row nobody holds a token for would linger in the
    user's list). A closed server refuses before counting the attempt."""
    if not ctx.settings.registration_open:
        raise Forbidden("Registration is closed on this server.", code="registration_closed")
    ctx.limiter.hit("register_ip", client_ip)
    user = auth.add_user(ctx.session, username, email, password, ctx.settings.bcrypt_rounds)
    known_addresses.remember(ctx, user, client_ip)  # logged in from here, in effect
    ctx.metrics.signed_up()
    ctx.audit("user signed up", user_id=user.id, username=user.username, client=client_ip)
    if not start_session:
        return LoggedIn(token="", expires_at=None, user=account_of(ctx, user))
    return _logged_in(ctx, user, client_ip, user_agent)


def create_user(ctx: Context, username: str, email: str, password: str) -> User:
    """The operator's way in (`imghost create-user`): works with registration closed."""
    user = auth.add_user(ctx.session, username, email, password, ctx.settings.bcrypt_rounds)
    ctx.audit("user created by operator", user_id=user.id, username=user.username)
    return user


def log_in(ctx: Context, login: str, password: str, client_ip: str,
           user_agent: str = "") -> LoggedIn:
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
    return _logged_in(ctx, user, client_ip, user_agent)


def _account_key(user: User | None, login: str) -> str:
    # The id: the username in any case and the email are one account. A name that
    # names no one still gets a counter, so guessing looks the same either way.
    return f"user:{user.id}" if user is not None else f"login:{(login or '').strip().lower()[:320]}"


def caller(ctx: Context, token: str, scope: str | None = None) -> User:
    """The user a bearer token names; Unauthorized when it names no one (any more),
    Forbidden (insufficient_scope) when an API token may not run an action needing
    `scope` (None: logins only). The credential is kept on ctx for the action."""
    user, credential = credentials.identify(ctx.session.connection(), ctx.settings, token,
                                            ctx.clock(), TOUCH_INTERVAL)
    credentials.authorize(credential, scope)
    ctx.credential = credential
    return user


@reads_only
@credentials.requires(credentials.ANY_SCOPE)
def profile(ctx: Context, user: User) -> AccountPublic:
    """The caller's own account (GET /api/auth/me, the UI's session check)."""
    return account_of(ctx, user)


def change_password(ctx: Context, user: User, current_password: str, new_password: str) -> int:
    """Set a new password; every other session ends. Returns how many ended.
    A wrong current password counts as a failed login of the account, so a stolen
    session cannot be used to guess the password faster than the login form allows."""
    account = _account_key(user, "")
    ctx.limiter.check("login_account", account)
    if not auth.verify_password(current_password or "", user.password_hash):
        ctx.limiter.hit("login_account", account)
        message = "The current password is wrong."
        raise Invalid(message, code="wrong_password",
                      errors=[{"field": "current_password", "message": message}])
    problem = auth.password_problem(new_password)
    if problem:
        raise Invalid(problem, code="validation_error",
                      errors=[{"field": "new_password", "message": problem}])
    ctx.session.exec(update(User).where(User.id == user.id).values(
        password_hash=auth.hash_password(new_password, ctx.settings.bcrypt_rounds)))
    ended = sessions.end_others(ctx, user)
    ctx.audit("password changed", user_id=user.id, sessions_ended=ended)
    return ended


def stored_totals(ctx: Context) -> tuple[int, int, int]:
    """Users, images and original bytes stored, for the operator's metrics."""
    return ctx.session.exec(select(
        func.count(User.id), func.coalesce(func.sum(User.image_count), 0),
        func.coalesce(func.sum(User.bytes_stored), 0))).one()


def _logged_in(ctx: Context, user: User, client_ip: str, user_agent: str) -> LoggedIn:
    started = sessions.begin(ctx, user, client_ip, user_agent)
    return LoggedIn(token=started.token, expires_at=started.expires_at,
                    user=account_of(ctx, user))
