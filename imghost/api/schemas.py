"""Request and response bodies of the REST API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from imghost.services.albums import AlbumPublic
from imghost.services.images import ImagePublic

# Strict: a number where a string belongs (or the reverse) is a 400, not a guess.
STRICT = ConfigDict(strict=True, extra="ignore")


class RegisterIn(BaseModel):
    model_config = STRICT
    username: str = Field(examples=["alice"])
    email: str = Field(examples=["alice@example.com"])
    password: str = Field(examples=["correct horse battery"])


class LoginIn(BaseModel):
    model_config = STRICT
    username: str = Field(description="Username or email", examples=["alice"])
    password: str


class UserOut(BaseModel):
    id: int
    username: str
    email: str
    image_count: int
    bytes_stored: int = Field(description="Original bytes of the user's images")
    quota_bytes: int | None = Field(description="Storage quota in bytes; null: unlimited")
    created_at: datetime


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: datetime
    user: UserOut


class UploadUrlIn(BaseModel):
    model_config = STRICT
    filename: str = Field(examples=["cat.png"])
    content_type: str = Field(examples=["image/png"])
    size_bytes: int = Field(examples=[123456])
    expires_in: int | None = Field(default=None, examples=[86400],
                                   description="Seconds the image lives once confirmed; "
                                               "omit or null: it never expires.")


class UploadUrlOut(BaseModel):
    upload_url: str
    method: str
    headers: dict[str, str]
    r2_key: str
    public_url: str
    expires_at: datetime


class ConfirmIn(BaseModel):
    model_config = STRICT
    r2_key: str
    filename: str
    size_bytes: int
    content_type: str | None = None


# One definition of an image's public fields (models.ImageFields), shared with the UI.
ImageOut = ImagePublic


class ImagePatchIn(BaseModel):
    """Only the fields given change. `expires_in: null` clears the expiry."""

    model_config = STRICT
    filename: str | None = Field(default=None, examples=["holiday.jpg"])
    expires_in: int | None = Field(default=None, examples=[3600])


class ImagePageOut(BaseModel):
    images: list[ImageOut]
    next_cursor: str | None
    total: int


AlbumOut = AlbumPublic


class AlbumIn(BaseModel):
    model_config = STRICT
    title: str = Field(examples=["Holiday 2026"])
    description: str = ""


class AlbumPatchIn(BaseModel):
    """Only the fields given change; `cover_image_id: null` goes back to the newest image,
    `shared: true` gives a share_url, `shared: false` ends it for good."""

    model_config = STRICT
    title: str | None = None
    description: str | None = None
    cover_image_id: int | None = None
    shared: bool | None = None


class AlbumImagesIn(BaseModel):
    model_config = STRICT
    image_ids: list[int] = Field(examples=[[12, 13]])


class AlbumPageOut(BaseModel):
    albums: list[AlbumOut]
    next_cursor: str | None


class OEmbedOut(BaseModel):
    version: str
    type: str
    title: str
    url: str
    width: int
    height: int
    provider_name: str
    provider_url: str
    thumbnail_url: str
    thumbnail_width: int
    thumbnail_height: int


class FieldError(BaseModel):
    field: str
    message: str


class ErrorOut(BaseModel):
    detail: str
    code: str
    errors: list[FieldError] | None = None


class HealthOut(BaseModel):
    status: str
    database: str
    storage: str
