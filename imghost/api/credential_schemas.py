"""Bodies of the token, session, password and one-request upload endpoints."""

from __future__ import annotations

from pydantic import BaseModel, Field

from imghost.api.schemas import STRICT
from imghost.services.credentials import SCOPES
from imghost.services.images import ImagePublic
from imghost.services.sessions import SessionInfo
from imghost.services.tokens import CreatedToken, TokenInfo


class TokenIn(BaseModel):
    model_config = STRICT
    name: str = Field(examples=["ShareX on my desktop"])
    scopes: list[str] = Field(examples=[["images:write"]], description=f"From {', '.join(SCOPES)}")
    expires_in_days: int | None = Field(default=None, examples=[365],
                                        description="Leave out for a token that never expires")


# One definition each: the services' own models.
TokenOut = TokenInfo
CreatedTokenOut = CreatedToken
SessionOut = SessionInfo


class PasswordIn(BaseModel):
    model_config = STRICT
    current_password: str
    new_password: str


class PasswordChangedOut(BaseModel):
    sessions_ended: int


class SessionsEndedOut(BaseModel):
    sessions_ended: int


class UploadedImageOut(ImagePublic):
    url: str = Field(description="Direct link to the image")
    thumbnail_url: str = Field(description="The thumbnail, or the image itself until the "
                                           "thumbnail is made (a moment after the upload)")
    delete_url: str = Field(description="Anyone with this link can delete the image: "
                                        "GET shows a confirmation page, POST deletes")
