"""Images that expire: the lifetime rule, and what "still there" means in a query.

An image past its expires_at is gone at once everywhere (lists, pages, file URLs),
whether or not the sweep (services/sweep.sweep_expired_images) has deleted it yet.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_

from imghost.errors import Invalid
from imghost.models import Image
from imghost.services.context import Context


def checked_lifetime(ctx: Context, seconds: int | None, field: str = "expires_in") -> int | None:
    """A requested lifetime in seconds: None (never expires) or 1..IMGHOST_MAX_EXPIRY_SECONDS."""
    if seconds is None:
        return None
    limit = ctx.settings.max_expiry_seconds
    if isinstance(seconds, bool) or not isinstance(seconds, int) or seconds < 1:
        raise Invalid(f"{field} must be a positive number of seconds.", code="validation_error",
                      errors=[{"field": field, "message": "A positive number of seconds."}])
    if seconds > limit:
        raise Invalid(f"{field} may be at most {limit} seconds.", code="expiry_too_long",
                      errors=[{"field": field, "message": f"At most {limit} seconds."}])
    return seconds


def expiry_after(now: datetime, lifetime_seconds: int | None) -> datetime | None:
    return None if lifetime_seconds is None else now + timedelta(seconds=lifetime_seconds)


def still_there(now: datetime, table=Image.__table__):
    """SQL: the image has no expiry or has not reached it."""
    return or_(table.c.expires_at.is_(None), table.c.expires_at > now)


def has_expired(expires_at: datetime | None, now: datetime) -> bool:
    if expires_at is None:
        return False
    if expires_at.tzinfo is None:  # SQLite hands back naive UTC
        expires_at = expires_at.replace(tzinfo=now.tzinfo)
    return expires_at <= now
