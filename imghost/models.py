"""Database tables. The seed's users/images schema plus what later work needs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator
from sqlalchemy import BigInteger, Column, DateTime, ForeignKey, Index, Integer, func
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """SQLite hands stored UTC times back without their offset: every time we serve
    carries it (RFC 3339), whichever database it came from."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# A datetime in an API answer.
UtcDatetime = Annotated[datetime, AfterValidator(as_utc)]


def _timestamp() -> Column:
    return Column(DateTime(timezone=True), nullable=False, default=utcnow)


# SQLite reuses the largest rowid after a delete without AUTOINCREMENT: a token or a
# link naming a deleted user or image could then name a new one.
NEVER_REUSE_IDS = {"sqlite_autoincrement": True}


class User(SQLModel, table=True):
    __tablename__ = "users"
    __table_args__ = NEVER_REUSE_IDS

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=50, unique=True)
    # Stored lower-cased so uniqueness is case-insensitive on every database.
    email: str = Field(max_length=255, unique=True)
    password_hash: str = Field(max_length=255)
    # Maintained on confirm/delete so listing never needs count(*).
    image_count: int = Field(default=0, sa_column=Column(Integer, nullable=False, default=0))
    bytes_stored: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())


# Unique whatever the case, in the schema itself: two sign-ups racing as "Alice" and
# "alice" cannot both pass a check made before either is stored.
Index("ux_users_username_lower", func.lower(User.__table__.c.username), unique=True)
Index("ux_users_email_lower", func.lower(User.__table__.c.email), unique=True)


class KnownLogin(SQLModel, table=True):
    """A network an account logged in from successfully (services/known_addresses.py):
    logins from there are not held by the account's failed-login limit."""

    __tablename__ = "known_logins"

    user_id: int = Field(sa_column=Column(Integer, ForeignKey("users.id", ondelete="CASCADE"),
                                          primary_key=True))
    # HMAC of the address (its /64 for IPv6), so the table is no log of where people were.
    network_hash: str = Field(max_length=64, primary_key=True)
    last_login_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class ImageFields(SQLModel):
    """An image's own fields as clients see them: the table and the API's image
    (services/images.ImagePublic) both derive from this one definition."""

    filename: str = Field(max_length=255)
    r2_key: str = Field(max_length=500, unique=True)
    content_type: str = Field(max_length=100)
    size_bytes: int = Field(sa_type=BigInteger)
    width: int | None = None
    height: int | None = None
    # A tiny stand-in (dominant colour) shown until the thumbnail arrives.
    placeholder: str | None = Field(default=None, max_length=100)


class Image(ImageFields, table=True):
    __tablename__ = "images"
    __table_args__ = (Index("ix_images_user_id_id", "user_id", "id"), NEVER_REUSE_IDS)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    )
    public_url: str = Field(max_length=500)
    thumbnail_key: str | None = Field(default=None, max_length=500)
    display_key: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class UploadGrant(SQLModel, table=True):
    """Every presigned upload handed out, so unconfirmed objects can be swept."""

    __tablename__ = "upload_grants"

    r2_key: str = Field(max_length=500, primary_key=True)
    user_id: int = Field(
        sa_column=Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    )
    content_type: str = Field(max_length=100)
    size_bytes: int = Field(sa_column=Column(BigInteger, nullable=False))
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, index=True))
    # Unix time until which one confirm owns this upload (services/upload_claims.py).
    claim_expires: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
