"""Database tables. The seed's users/images schema plus what later work needs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator
from sqlalchemy import BigInteger, Column, DateTime, ForeignKey, Index, Integer, func, text
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
    # The operator's override of IMGHOST_USER_QUOTA_BYTES (`imghost set-quota`):
    # NULL follows the setting, 0 is unlimited (services/quota.py).
    quota_bytes: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
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
    # A blurhash (blurha.sh) of the picture, made with the thumbnail: clients decode it
    # into a blurred preview; null until the pipeline has run.
    blurhash: str | None = Field(default=None, max_length=100)
    # Past this instant the image is gone everywhere; the expiry sweep deletes it.
    expires_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class Image(ImageFields, table=True):
    __tablename__ = "images"
    __table_args__ = (
        Index("ix_images_user_id_id", "user_id", "id"),
        # Listing sorts and filters (services/image_search.py).
        Index("ix_images_user_id_size_bytes_id", "user_id", "size_bytes", "id"),
        Index("ix_images_user_id_created_at", "user_id", "created_at"),
        # Only pending images: the thumbnail picker never walks finished ones.
        Index("ix_images_thumbnail_pending", "id", postgresql_where=text("thumbnail_key IS NULL"),
              sqlite_where=text("thumbnail_key IS NULL")),
        # Only expiring images are in it: the sweep's scan stays small.
        Index("ix_images_expires_at", "expires_at"),
        NEVER_REUSE_IDS,
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    )
    public_url: str = Field(max_length=500)
    thumbnail_key: str | None = Field(default=None, max_length=500)
    display_key: str | None = Field(default=None, max_length=500)
    # Thumbnail jobs (services/processing/jobs.py): how many were started, and the unix
    # time before which no worker may start another (a running job's lease, or a
    # failed job's backoff).
    thumbnail_attempts: int = Field(default=0, sa_column=Column(Integer, nullable=False, default=0,
                                                                server_default="0"))
    thumbnail_lease_until: int | None = Field(default=None,
                                              sa_column=Column(BigInteger, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    # The page's address /i/{slug}: random (services/slugs.py), never the sequential id.
    slug: str = Field(max_length=32, unique=True)
    # SHA-256 (hex) of the secret in the image's delete_url; only images uploaded
    # in one request (POST /api/images) get one.
    delete_secret_hash: str | None = Field(default=None, max_length=64)


class UploadGrant(SQLModel, table=True):
    """Every presigned upload handed out, so unconfirmed objects can be swept."""

    __tablename__ = "upload_grants"
    # Quota at upload start sums a user's open grants (services/quota.py): found by
    # user and expiry, summed from the index alone on PostgreSQL.
    __table_args__ = (Index("ix_upload_grants_user_id_expires_at", "user_id", "expires_at",
                            postgresql_include=["size_bytes"]),)

    r2_key: str = Field(max_length=500, primary_key=True)
    user_id: int = Field(
        sa_column=Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    )
    content_type: str = Field(max_length=100)
    size_bytes: int = Field(sa_column=Column(BigInteger, nullable=False))
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, index=True))
    # Seconds the image lives once recorded (expires_in at upload); None: it never expires.
    image_lifetime_seconds: int | None = Field(default=None,
                                               sa_column=Column(BigInteger, nullable=True))


class Album(SQLModel, table=True):
    __tablename__ = "albums"
    __table_args__ = (Index("ix_albums_user_id_id", "user_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    )
    title: str = Field(max_length=200)
    description: str = Field(default="", max_length=2000)
    cover_image_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("images.id", ondelete="SET NULL"), nullable=True))
    # Set while the album is shared (/a/{slug}); a new one each time it is shared again.
    share_slug: str | None = Field(default=None, max_length=32, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class AlbumImage(SQLModel, table=True):
    """Many-to-many: an image may be in several albums. The primary key (album_id,
    image_id) is also the keyset index an album's pages walk; deleting either side
    removes the link (FK cascade)."""

    __tablename__ = "album_images"
    __table_args__ = (Index("ix_album_images_image_id", "image_id"),)

    album_id: int = Field(sa_column=Column(
        Integer, ForeignKey("albums.id", ondelete="CASCADE"), primary_key=True))
    image_id: int = Field(sa_column=Column(
        Integer, ForeignKey("images.id", ondelete="CASCADE"), primary_key=True))
    added_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())


class LoginSession(SQLModel, table=True):
    """One login: its JWT names this row (`sid`), so ending the row ends the token."""

    __tablename__ = "sessions"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=Column(
        Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    # Written at most once a minute (services/credentials.py), not on every request.
    last_seen_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    ip_address: str = Field(default="", max_length=64)
    user_agent: str = Field(default="", max_length=255)


class ApiToken(SQLModel, table=True):
    """A personal access token; only its SHA-256 is kept, the token is shown once."""

    __tablename__ = "api_tokens"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=Column(
        Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True))
    name: str = Field(max_length=100)
    token_hash: str = Field(max_length=64, unique=True)
    # The token's first characters, so people can tell their tokens apart.
    prefix: str = Field(max_length=24)
    # Space-separated, e.g. "images:read images:write".
    scopes: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())
    expires_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True),
                                                                         nullable=True))
    last_used_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True),
                                                                           nullable=True))
