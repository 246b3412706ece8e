"""Request and response bodies of the REST API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

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


class ImagePageOut(BaseModel):
    images: list[ImageOut]
    next_cursor: str | None
    # The page before this one (GET ?before=): null on the first page.
    prev_cursor: str | None = None
    total: int = Field(description="The user's images, or those matching the filters")


class ImageIdsIn(BaseModel):
    model_config = STRICT
    ids: list[int] = Field(description="Image ids (at most IMGHOST_BULK_MAX_IMAGES)",
                           examples=[[12, 13, 14]])


class BulkDeletedOut(BaseModel):
    deleted: list[int]
    missing: list[int] = Field(description="Ids that were not yours or already gone")


class ZipLinkOut(BaseModel):
    url: str = Field(description="GET it (no token needed) before expires_at for the zip")
    expires_at: datetime
    count: int
    size_bytes: int


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
