"""Per-user storage quota: how many original bytes one account may keep.

A user's quota is their own override (`imghost set-quota`, users.quota_bytes) or else
IMGHOST_USER_QUOTA_BYTES; 0 means unlimited in both. Starting an upload counts what
is stored plus what open grants may still bring; recording one charges the bytes in
the same UPDATE that checks the quota, so parallel confirms can never overshoot it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, func, insert, or_, select, update
from sqlalchemy.engine import Connection

from imghost.errors import Invalid
from imghost.models import UploadGrant, User
from imghost.services.context import Context
from imghost.services.driver_cursor import rowcount, typed_binds
from imghost.services.export import find_user

UNITS = {"": 1, "b": 1, "k": 1024, "kb": 1000, "kib": 1024, "m": 1024**2, "mb": 1000**2,
         "mib": 1024**2, "g": 1024**3, "gb": 1000**3, "gib": 1024**3, "t": 1024**4,
         "tb": 1000**4, "tib": 1024**4}


class QuotaExceeded(Invalid):
    code = "quota_exceeded"


@dataclass(frozen=True)
class QuotaSet:
    username: str
    override: int | None  # None: follows the server's setting
    quota_bytes: int | None  # what applies now; None: unlimited


def describe(size: int) -> str:
    """Bytes as people read them: 1536 -> "1.5 KiB"."""
    value, unit = float(size), "bytes"
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            break
        value /= 1024
    return f"{size} bytes" if unit == "bytes" else f"{value:.1f} {unit}"


def quota_of(ctx: Context, user: User) -> int | None:
    """The user's quota in bytes, or None when unlimited."""
    return _applying(ctx.settings.user_quota_bytes, user.quota_bytes) or None


def _applying(default_quota: int, override: int | None) -> int:
    return override if override is not None else default_quota


def _refusal(limit: int, used: int) -> QuotaExceeded:
    return QuotaExceeded(f"This upload would go past your storage quota of {describe(limit)} "
                         f"({describe(used)} in use); delete some images first.",
                         errors=[{"field": "size_bytes",
                                  "message": f"At most {max(0, limit - used)} more bytes fit."}])


_users = User.__table__
_grants = UploadGrant.__table__
# Stored bytes, the override and the open grants' bytes: one Core statement, one round
# trip, no ORM rows; it runs on every upload start.
_OPEN_GRANT_BYTES = (select(func.coalesce(func.sum(_grants.c.size_bytes), 0))
                     .where(_grants.c.user_id == bindparam("user_id"),
                            _grants.c.expires_at > bindparam("now")).scalar_subquery())
_ROOM = (select(_users.c.bytes_stored, _users.c.quota_bytes, _OPEN_GRANT_BYTES)
         .where(_users.c.id == bindparam("user_id")))


_GRANT_FIELDS = ("r2_key", "user_id", "content_type", "size_bytes", "expires_at",
                 "image_lifetime_seconds")
_GRANT_VALUES = typed_binds(_grants, _GRANT_FIELDS)
_INSERT_GRANT = insert(_grants).values(_GRANT_VALUES)
# The grant, inserted only while the owner's stored bytes, open grants and this one fit
# the quota that applies: check and insert in one statement, which stands alone (the
# upload start needs no transaction around it, so it runs in autocommit).
_INSERT_GRANT_WITHIN_ROOM = insert(_grants).from_select(
    list(_GRANT_FIELDS),
    select(*_GRANT_VALUES.values())
    .where(_users.c.id == bindparam("user_id"),
           or_(func.coalesce(_users.c.quota_bytes, bindparam("default_quota")) == 0,
               _users.c.bytes_stored + _OPEN_GRANT_BYTES + bindparam("size_bytes")
               <= func.coalesce(_users.c.quota_bytes, bindparam("default_quota")))))


def insert_grant(ctx: Context, user: User, grant: dict) -> None:
    """Record an upload grant (a row of upload_grants), or QuotaExceeded when its
    size_bytes, plus what is stored and what the open grants may still bring, would pass
    the quota. An early answer only: charge() is the one that holds under races."""
    connection = ctx.session.connection()
    default_quota = ctx.settings.user_quota_bytes
    # No quota on the caller's row (read by the token check in this unit of work) and
    # none by default: nothing to count.
    if not _applying(default_quota, user.quota_bytes):
        rowcount(connection, _INSERT_GRANT, grant)
        return
    now = ctx.clock()
    if rowcount(connection, _INSERT_GRANT_WITHIN_ROOM, {
            **grant, "now": now, "default_quota": default_quota}) == 1:
        return
    # Refused (rare): read the numbers for the message.
    stored, override, granted = connection.execute(
        _ROOM, {"user_id": user.id, "now": now}).one()
    check_stored_room(default_quota, override, stored + granted, grant["size_bytes"])
    connection.execute(_INSERT_GRANT, grant)  # room again meanwhile (grants expired)


def check_stored_room(default_quota: int, override: int | None, used: int,
                      size_bytes: int) -> None:
    """QuotaExceeded when size_bytes more than `used` would pass the quota that applies
    (the user's override, else the default)."""
    limit = _applying(default_quota, override)
    if limit and used + size_bytes > limit:
        raise _refusal(limit, used)


def charge(connection: Connection, default_quota: int, user_id: int, size_bytes: int) -> None:
    """Count one more image of size_bytes, in one UPDATE that only happens within the
    quota: concurrent charges queue on the row and each sees the others' bytes."""
    params = {"charged_user": user_id, "size": size_bytes, "default_quota": default_quota}
    if rowcount(connection, _CHARGE, params) != 1:
        override, stored = connection.execute(_STORED, params).one()
        raise _refusal(_applying(default_quota, override), stored)


_QUOTA = func.coalesce(_users.c.quota_bytes, bindparam("default_quota"))
_CHARGE = (update(_users)
           .where(_users.c.id == bindparam("charged_user"),
                  or_(_QUOTA == 0, _users.c.bytes_stored + bindparam("size") <= _QUOTA))
           .values(image_count=_users.c.image_count + 1,
                   bytes_stored=_users.c.bytes_stored + bindparam("size")))
_STORED = (select(_users.c.quota_bytes, _users.c.bytes_stored)
           .where(_users.c.id == bindparam("charged_user")))


def parse_quota(text: str) -> int | None:
    """"unlimited" -> 0, "default" -> None, "10GiB" / "500 MB" / "1048576" -> bytes."""
    value = text.strip().lower().replace(" ", "")
    if value == "unlimited":
        return 0
    if value == "default":
        return None
    number = value.rstrip("abcdefghijklmnopqrstuvwxyz")
    unit = value[len(number):]
    try:
        amount = float(number)
    except ValueError:
        amount = -1
    if unit not in UNITS or amount < 0:
        raise Invalid(f"{text!r} is not a size: give bytes (e.g. 10GiB, 500MB, 1048576), "
                      "'unlimited' or 'default'.", code="validation_error")
    return int(amount * UNITS[unit])


def set_quota(ctx: Context, who: str, quota: str) -> QuotaSet:
    """The operator's `imghost set-quota USER BYTES|unlimited|default`. Lowering a quota
    below what a user stores keeps their images; only new uploads are refused."""
    override = parse_quota(quota)
    user = find_user(ctx.session, who)
    user.quota_bytes = override
    ctx.session.add(user)
    ctx.audit("quota set by operator", user_id=user.id, quota_bytes=override)
    return QuotaSet(username=user.username, override=override, quota_bytes=quota_of(ctx, user))
