"""Session actions: every login is a row its token names; list them, end one, end all.

Ending a session deletes its row; credentials.identify reads that row on every
request, so the token stops working at once on every worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import delete, select

from imghost.errors import NotFound
from imghost.models import LoginSession, User, UtcDatetime
from imghost.services import credentials
from imghost.services.context import Context

MAX_USER_AGENT_CHARS = 255
MAX_ADDRESS_CHARS = 64


class SessionInfo(BaseModel):
    """A login session as its owner sees it (the API's schema is this class)."""

    id: int
    created_at: UtcDatetime
    last_seen_at: UtcDatetime
    expires_at: UtcDatetime
    ip_address: str
    user_agent: str
    current: bool


@dataclass(frozen=True)
class Started:
    token: str
    expires_at: datetime
    session_id: int


def begin(ctx: Context, user: User, client_ip: str, user_agent: str) -> Started:
    """A new session row and the login token naming it (part of log in and sign up).

    Expired rows of the user go first, and beyond the per-user cap the longest-idle
    sessions end, so scripted logins cannot grow the table without bound."""
    now = ctx.clock()
    table = LoginSession.__table__
    ctx.session.exec(delete(LoginSession).where(LoginSession.user_id == user.id,
                                                LoginSession.expires_at <= now))
    keep = ctx.settings.max_sessions_per_user - 1
    stale = select(table.c.id).where(table.c.user_id == user.id).order_by(
        table.c.last_seen_at.desc(), table.c.id.desc()).offset(keep)
    stale_ids = list(ctx.session.connection().execute(stale).scalars())
    if stale_ids:
        ctx.session.exec(delete(LoginSession).where(LoginSession.id.in_(stale_ids)))
    expires_at = now + timedelta(days=ctx.settings.jwt_expire_days)
    row = LoginSession(user_id=user.id, created_at=now, last_seen_at=now, expires_at=expires_at,
                       ip_address=(client_ip or "")[:MAX_ADDRESS_CHARS],
                       user_agent=_printable(user_agent)[:MAX_USER_AGENT_CHARS])
    ctx.session.add(row)
    ctx.session.flush()
    token = credentials.issue_login_token(ctx.settings, user.id, row.id, expires_at)
    return Started(token=token, expires_at=expires_at, session_id=row.id)


def _printable(text: str) -> str:
    return "".join(ch for ch in (text or "") if ch.isprintable()).strip()


def current_session_id(ctx: Context) -> int | None:
    credential = ctx.credential
    return credential.id if credential is not None and credential.is_login else None


def list_sessions(ctx: Context, user: User) -> list[SessionInfo]:
    """The caller's live sessions, most recently seen first; `current` marks this one."""
    current = current_session_id(ctx)
    rows = ctx.session.exec(select(LoginSession).where(
        LoginSession.user_id == user.id, LoginSession.expires_at > ctx.clock())
        .order_by(LoginSession.last_seen_at.desc(), LoginSession.id.desc())).scalars()
    return [SessionInfo(id=row.id, created_at=row.created_at, last_seen_at=row.last_seen_at,
                        expires_at=row.expires_at, ip_address=row.ip_address,
                        user_agent=row.user_agent, current=row.id == current) for row in rows]


def end(ctx: Context, user: User, session_id: int) -> None:
    """End one of the caller's sessions (its token is refused from now on)."""
    ended = ctx.session.exec(delete(LoginSession).where(
        LoginSession.id == session_id, LoginSession.user_id == user.id)).rowcount
    if not ended:
        raise NotFound("No session with that id.", code="session_not_found")
    ctx.audit("session ended", user_id=user.id, session_id=session_id,
              own=session_id == current_session_id(ctx))


def log_out(ctx: Context, user: User) -> None:
    """End the session of the token presented."""
    session_id = current_session_id(ctx)
    ctx.session.exec(delete(LoginSession).where(LoginSession.id == session_id))
    ctx.audit("logged out", user_id=user.id, session_id=session_id)


def end_all(ctx: Context, user: User) -> int:
    """Log out everywhere: every session of the caller ends, this one included."""
    ended = ctx.session.exec(delete(LoginSession).where(LoginSession.user_id == user.id)).rowcount
    ctx.audit("logged out everywhere", user_id=user.id, sessions=ended)
    return ended


def end_others(ctx: Context, user: User) -> int:
    """Every session but the caller's own ends (after a password change)."""
    query = delete(LoginSession).where(LoginSession.user_id == user.id)
    current = current_session_id(ctx)
    if current is not None:
        query = query.where(LoginSession.id != current)
    return ctx.session.exec(query).rowcount
