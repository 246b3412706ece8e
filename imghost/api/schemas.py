"""Request and response bodies of the REST API."""

from __future__ import annotations

from typing import Annotated

from email_validator import SPECIAL_USE_DOMAIN_NAMES
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from imghost.models import UtcDatetime
from imghost.services.albums import AlbumPublic
from imghost.services.auth import MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, USERNAME_PATTERN
from imghost.services.image_types import ALLOWED
from imghost.services.images import MAX_ID, ImagePublic
from imghost.services.sharing import OEmbedPhoto
from imghost.services.storage.base import KEY_PATTERN
from imghost.services.uploads import MAX_FILENAME_CHARS

# Strict: a number where a string belongs (or the reverse) is a 400, not a guess.
STRICT = ConfigDict(strict=True, extra="ignore")


def _integral_number(value: object) -> object:
    # JSON has one number type: 1865114.0 is an integer by JSON Schema's rules.
    return int(value) if isinstance(value, float) and value.is_integer() else value


# An integer in a JSON body, however the client's JSON library spelled it.
JsonInt = Annotated[int, BeforeValidator(_integral_number)]


# Declared here so the OpenAPI document states every rule the actions enforce (the
# actions still check them: the UI and the CLI do not come through this schema).
# The content types are listed, not enforced here: the action also takes aliases
# ("image/jpg", parameters, any case) and answers unsupported_type for the rest.
IMAGE_TYPES = {"enum": list(ALLOWED)}


def _any_case(word: str) -> str:
    return "".join(f"[{c.lower()}{c.upper()}]" for c in word)


# What email_validator adds to "format: email": a dotted domain whose top level is a
# name, and not one reserved for special use (.test, .local ...: they get no mail).
DELIVERABLE_DOMAIN = ("@(?:[^@.]+\\.)+(?!(?:" + "|".join(_any_case(n) for n in SPECIAL_USE_DOMAIN_NAMES)
                      + ")$)[A-Za-z](?:[A-Za-z0-9-]*[A-Za-z0-9])?$")


class RegisterIn(BaseModel):
    model_config = STRICT
    # Stated, not enforced here: sign_up checks all three at once and names every bad field.
    username: str = Field(json_schema_extra={"pattern": USERNAME_PATTERN.pattern},
                          examples=["alice"])
    email: str = Field(json_schema_extra={"format": "email", "maxLength": 254,
                                          "pattern": DELIVERABLE_DOMAIN},
                       examples=["alice@example.com"])
    password: str = Field(json_schema_extra={"minLength": MIN_PASSWORD_CHARS,
                                             "maxLength": MAX_PASSWORD_CHARS},
                          examples=["correct horse battery"])


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
    created_at: UtcDatetime


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: UtcDatetime
    user: UserOut


class UploadUrlIn(BaseModel):
    model_config = STRICT
    filename: str = Field(min_length=1, max_length=MAX_FILENAME_CHARS, examples=["cat.png"])
    content_type: str = Field(json_schema_extra=IMAGE_TYPES, examples=["image/png"])
    # The upper bound (IMGHOST_MAX_UPLOAD_BYTES) is added to the document at start.
    size_bytes: JsonInt = Field(ge=1, examples=[123456])
    expires_in: int | None = Field(default=None, examples=[86400],
                                   description="Seconds the image lives once confirmed; "
                                               "omit or null: it never expires.")


class UploadUrlOut(BaseModel):
    upload_url: str
    method: str
    headers: dict[str, str]
    r2_key: str
    public_url: str
    expires_at: UtcDatetime


class ConfirmIn(BaseModel):
    model_config = STRICT
    # Stated, not enforced here: any other key is no upload of yours, a 404.
    r2_key: str = Field(json_schema_extra={"pattern": KEY_PATTERN.pattern})
    filename: str = Field(min_length=1, max_length=MAX_FILENAME_CHARS)
    size_bytes: JsonInt = Field(ge=1)
    content_type: str | None = Field(default=None, json_schema_extra={"enum": [*ALLOWED, None]})


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
    # The page before this one (GET ?before=): null on the first page.
    prev_cursor: str | None = None
    total: int = Field(description="The user's images, or those matching the filters")


class ImageIdsIn(BaseModel):
    model_config = STRICT
    # The service checks these (with their own codes); the schema states them.
    ids: list[JsonInt] = Field(description="Image ids (at most IMGHOST_BULK_MAX_IMAGES)",
                           examples=[[12, 13, 14]], json_schema_extra={
                               "minItems": 1, "items": {"type": "integer", "minimum": 1,
                                                        "maximum": MAX_ID}})


class BulkExpiryIn(ImageIdsIn):
    expires_in: JsonInt | None = Field(description="Seconds from now; null: never expires",
                                       examples=[86400], json_schema_extra={"minimum": 1})


class BulkChangedOut(BaseModel):
    changed: list[int]
    missing: list[int] = Field(description="Ids that were not yours or already gone")


class BulkDeletedOut(BaseModel):
    deleted: list[int]
    missing: list[int] = Field(description="Ids that were not yours or already gone")


class ZipLinkOut(BaseModel):
    url: str = Field(description="GET it (no token needed) before expires_at for the zip")
    expires_at: UtcDatetime
    count: int
    size_bytes: int


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


OEmbedOut = OEmbedPhoto  # one definition: the service's


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
