"""Who is calling: a login token (a JWT naming a session row) or a personal access token.

Every authenticated request runs `identify` (through accounts.caller), so it stays to
ONE query on the hot path: a Core select joining the user to the session or token row,
run on the driver's cursor where that is exact (services/driver_cursor.py (first)), no ORM
instances besides the User it returns. Because the row is read on every
request, ending a session or revoking a token takes effect at once on every worker.
The row's "last seen/used" time is written at most once per `touch_interval`.
"""

from __future__ import annotations

import functools
import hashlib
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import configure_mappers

from imghost.errors import Forbidden, Unauthorized
from imghost.models import ApiToken, LoginSession, User
from imghost.services.driver_cursor import first
from imghost.settings import Settings

PAT_PREFIX = "imghost_pat_"
SCOPES = ("images:read", "images:write", "images:delete")
# An action any valid credential may run (e.g. GET /api/auth/me).
ANY_SCOPE = "*"
JWT_ALGORITHM = "HS256"

_users = User.__table__
_sessions = LoginSession.__table__
_tokens = ApiToken.__table__
_USER_COLUMNS = tuple(column.name for column in _users.columns)
_N = len(_USER_COLUMNS)

_BY_SESSION = (select(_users, _sessions.c.last_seen_at)
               .join_from(_users, _sessions, _sessions.c.user_id == _users.c.id)
               .where(_sessions.c.id == bindparam("sid"), _users.c.id == bindparam("uid")))
_BY_TOKEN = (select(_users, _tokens.c.id, _tokens.c.scopes, _tokens.c.expires_at,
                    _tokens.c.last_used_at)
             .join_from(_users, _tokens, _tokens.c.user_id == _users.c.id)
             .where(_tokens.c.token_hash == bindparam("token_hash")))
_TOUCH_SESSION = (update(_sessions).where(_sessions.c.id == bindparam("row_id"))
                  .values(last_seen_at=bindparam("now")))
_TOUCH_TOKEN = (update(_tokens).where(_tokens.c.id == bindparam("row_id"))
                .values(last_used_at=bindparam("now")))

INVALID = "The access token is invalid."


@dataclass(frozen=True, slots=True)
class Credential:
    """What the caller presented: a login session (may do anything) or a token (its scopes)."""

    kind: str  # "session" | "token"
    id: int
    scopes: frozenset[str] = frozenset()

    @property
    def is_login(self) -> bool:
        return self.kind == "session"


def requires(scope: str):
    """Mark an action as open to personal access tokens holding `scope` (or ANY_SCOPE).
    Actions without a mark are for logins only: a token cannot manage tokens, sessions
    or the password, nor run an action nobody thought about yet."""
    def mark(action):
        action.required_scope = scope
        return action
    return mark


def required_scope(action) -> str | None:
    return getattr(action, "required_scope", None)


def authorize(credential: Credential, scope: str | None) -> None:
    if credential.is_login or scope == ANY_SCOPE:
        return
    if scope is None:
        raise Forbidden("An API token cannot do this; sign in with your password.",
                        code="insufficient_scope")
    if scope not in credential.scopes:
        raise Forbidden(f"This API token lacks the {scope} scope.", code="insufficient_scope")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_login_token(settings: Settings, user_id: int, session_id: int,
                      expires_at: datetime) -> str:
    return jwt.encode({"sub": str(user_id), "sid": session_id, "exp": expires_at},
                      settings.signing_secret, algorithm=JWT_ALGORITHM)


@functools.lru_cache(maxsize=4096)
def _verified_claims(secret: str, token: str) -> tuple[int, int, int]:
    """(user id, session id, exp) of a login token whose signature checks out. A token's
    claims cannot change, so they are checked once per process (the signature is most
    of a request's token check); its expiry is compared on every use (_decode), and the
    session row it names is read on every request. Only valid tokens are kept."""
    claims = jwt.decode(token, secret, algorithms=[JWT_ALGORITHM],
                        options={"require": ["exp", "sub", "sid"], "verify_exp": False})
    return int(claims["sub"]), int(claims["sid"]), int(claims["exp"])


def _decode(settings: Settings, token: str) -> tuple[int, int]:
    try:
        user_id, session_id, expires = _verified_claims(settings.signing_secret, token)
    except (jwt.InvalidTokenError, ValueError, TypeError, OverflowError):
        raise Unauthorized(INVALID, code="invalid_token") from None
    if expires <= time.time():  # as PyJWT's own check: no leeway
        raise Unauthorized("Your session has expired; please log in again.",
                           code="token_expired")
    return user_id, session_id


def _aware(moment: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes for timezone-aware columns.
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def identify(connection, settings: Settings, token: str, now: datetime,
             touch_interval: timedelta) -> tuple[User, Credential]:
    """The user and credential behind a bearer token; Unauthorized when it names no one."""
    if token.startswith(PAT_PREFIX):
        row = first(connection, _BY_TOKEN, {"token_hash": hash_token(token)})
        if row is None:
            raise Unauthorized(INVALID, code="invalid_token")
        token_id, scopes, expires_at, last_used = row[_N:]
        if expires_at is not None and _aware(expires_at) <= now:
            raise Unauthorized("This API token has expired.", code="token_expired")
        credential = Credential("token", token_id, frozenset(scopes.split()))
        seen, touch = last_used, _TOUCH_TOKEN
    else:
        user_id, session_id = _decode(settings, token)
        if not 0 < session_id < 2**31 or not 0 < user_id < 2**31:
            raise Unauthorized(INVALID, code="invalid_token")
        row = first(connection, _BY_SESSION, {"sid": session_id, "uid": user_id})
        if row is None:  # ended, logged out, password changed, or the user is gone
            raise Unauthorized("This session has ended; please log in again.",
                               code="session_ended")
        credential = Credential("session", session_id)
        seen, touch = row[_N], _TOUCH_SESSION
    if seen is None or now - _aware(seen) >= touch_interval:
        connection.execute(touch, {"row_id": credential.id, "now": now})
    return _user_from(row[:_N]), credential


def _user_from(values) -> User:
    """The User a row describes, as User(**fields) makes it (not in any session) but
    without validating each field again: they come from the database. A tenth of the
    cost, and this runs on every authenticated request."""
    if not User.__mapper__.configured:  # as User() would: relationships set up first
        configure_mappers()
    user = User._sa_class_manager.new_instance()
    user.__dict__.update(zip(_USER_COLUMNS, values, strict=True))
    return user
