"""Database tables. The seed's users/images schema plus what later work needs."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import BigInteger, Column, DateTime, ForeignKey, Index, Integer
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


def _timestamp() -> Column:
    return Column(DateTime(timezone=True), nullable=False, default=utcnow)


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=50, unique=True)
    # Stored lower-cased so uniqueness is case-insensitive on every database.
    email: str = Field(max_length=255, unique=True)
    password_hash: str = Field(max_length=255)
    # Maintained on confirm/delete so listing never needs count(*).
    image_count: int = Field(default=0, sa_column=Column(Integer, nullable=False, default=0))
    bytes_stored: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_timestamp())


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


class Image(ImageFields, table=True):
    __tablename__ = "images"
    __table_args__ = (
        Index("ix_images_user_id_id", "user_id", "id"),
        # Listing sorts and filters (services/image_search.py).
        Index("ix_images_user_id_size_bytes_id", "user_id", "size_bytes", "id"),
        Index("ix_images_user_id_created_at", "user_id", "created_at"),
    )

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
