"""Personal access token actions: create (shown once), list, revoke.

A token is `imghost_pat_` + 32 random bytes in base62 (the prefix lets secret
scanners spot a leaked one); only its SHA-256 is stored. Tokens are for logins
only to manage: none of these actions carries a scope mark.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from pydantic import BaseModel, Field
from sqlalchemy import delete, func, select

from imghost.errors import Conflict, Invalid, NotFound
from imghost.models import ApiToken, User, UtcDatetime
from imghost.services import credentials
from imghost.services.context import Context

MAX_NAME_CHARS = 100
MAX_EXPIRY_DAYS = 3650
SECRET_BYTES = 32
BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
# 62**43 > 2**256: every 32-byte secret fits in 43 characters.
SECRET_CHARS = 43
# What a list shows of a token: the prefix and the first few secret characters.
SHOWN_CHARS = len(credentials.PAT_PREFIX) + 6


class TokenInfo(BaseModel):
    """A token as its owner sees it (the API's schema is this class)."""

    id: int
    name: str
    scopes: list[str]
    prefix: str
    created_at: UtcDatetime
    expires_at: UtcDatetime | None
    last_used_at: UtcDatetime | None


class CreatedToken(TokenInfo):
    token: str = Field(description="Shown this once; only its hash is kept")


def new_secret() -> str:
    number = int.from_bytes(secrets.token_bytes(SECRET_BYTES), "big")
    digits = []
    for _ in range(SECRET_CHARS):
        number, remainder = divmod(number, 62)
        digits.append(BASE62[remainder])
    return credentials.PAT_PREFIX + "".join(reversed(digits))


def _field_error(field: str, message: str) -> Invalid:
    return Invalid(message, code="validation_error", errors=[{"field": field, "message": message}])


def _checked(name: str, scopes: list[str], expires_in_days: int | None) -> tuple[str, list[str]]:
    name = "".join(ch for ch in (name or "") if ch.isprintable()).strip()
    if not name:
        raise _field_error("name", "Give the token a name, e.g. the tool that will use it.")
    if len(name) > MAX_NAME_CHARS:
        raise _field_error("name", f"The name may have at most {MAX_NAME_CHARS} characters.")
    wanted = list(dict.fromkeys(scopes or []))
    unknown = [scope for scope in wanted if scope not in credentials.SCOPES]
    if unknown or not wanted:
        raise _field_error("scopes", f"Choose scopes from {', '.join(credentials.SCOPES)}.")
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_EXPIRY_DAYS:
        raise _field_error("expires_in_days",
                           f"Between 1 and {MAX_EXPIRY_DAYS} days, or none for no expiry.")
    return name, [scope for scope in credentials.SCOPES if scope in wanted]


def _info(row: ApiToken) -> TokenInfo:
    return TokenInfo(id=row.id, name=row.name, scopes=row.scopes.split(), prefix=row.prefix,
                     created_at=row.created_at, expires_at=row.expires_at,
                     last_used_at=row.last_used_at)


def create(ctx: Context, user: User, name: str, scopes: list[str],
           expires_in_days: int | None = None) -> CreatedToken:
    """A new token with the given scopes; the plain token is in the result, once."""
    name, scopes = _checked(name, scopes, expires_in_days)
    held = ctx.session.execute(select(func.count()).select_from(ApiToken)
                               .where(ApiToken.user_id == user.id)).scalar_one()
    if held >= ctx.settings.max_tokens_per_user:
        raise Conflict(f"You already have {held} API tokens; revoke one first.",
                       code="too_many_tokens")
    token = new_secret()
    now = ctx.clock()
    row = ApiToken(user_id=user.id, name=name, token_hash=credentials.hash_token(token),
                   prefix=token[:SHOWN_CHARS], scopes=" ".join(scopes), created_at=now,
                   expires_at=now + timedelta(days=expires_in_days) if expires_in_days else None)
    ctx.session.add(row)
    ctx.session.flush()
    ctx.audit("api token created", user_id=user.id, token_id=row.id, scopes=row.scopes)
    return CreatedToken(**_info(row).model_dump(), token=token)


def list_tokens(ctx: Context, user: User) -> list[TokenInfo]:
    rows = ctx.session.execute(select(ApiToken).where(ApiToken.user_id == user.id)
                               .order_by(ApiToken.id.desc())).scalars()
    return [_info(row) for row in rows]


def revoke(ctx: Context, user: User, token_id: int) -> None:
    """Delete the token: the next request that presents it is refused, on every worker."""
    removed = ctx.session.execute(delete(ApiToken).where(
        ApiToken.id == token_id, ApiToken.user_id == user.id)).rowcount
    if not removed:
        raise NotFound("No API token with that id.", code="token_not_found")
    ctx.audit("api token revoked", user_id=user.id, token_id=token_id)
