"""POST /api/auth/register, POST /api/auth/login, GET /api/auth/me."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import ValidationError

from imghost.api.deps import BearerToken, SessionDep, as_user
from imghost.api.rate_limits import RegisterLimit, login_attempt
from imghost.api.schemas import ErrorOut, LoginIn, RegisterIn, TokenOut, UserOut
from imghost.errors import Forbidden, Invalid
from imghost.services import auth
from imghost.services.hashing_threads import run_hashing
from imghost.settings import get_settings

router = APIRouter(prefix="/api/auth", tags=["auth"])

LOGIN_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": LoginIn.model_json_schema()},
        "application/x-www-form-urlencoded": {"schema": {
            "type": "object", "required": ["username", "password"],
            "properties": {"username": {"type": "string"}, "password": {"type": "string"},
                           "grant_type": {"type": "string"}}}},
    },
}
ERRORS = {400: {"model": ErrorOut}, 401: {"model": ErrorOut}}


def user_out(user) -> UserOut:
    return UserOut.model_validate(user, from_attributes=True)


@router.post("/register", status_code=201, response_model=UserOut, dependencies=[RegisterLimit],
             responses={**ERRORS, 409: {"model": ErrorOut}, 429: {"model": ErrorOut}})
def register(body: RegisterIn, session: SessionDep) -> UserOut:
    if not get_settings().registration_open:
        raise Forbidden("Registration is closed on this server.", code="registration_closed")
    return user_out(auth.register(session, body.username, body.email, body.password))


async def _read_credentials(request: Request) -> LoginIn:
    """Login accepts JSON or the OAuth2 password form (so /api/docs can authorize)."""
    if request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        data = dict(await request.form())
    else:
        try:
            data = await request.json()
        except ValueError:
            raise Invalid("The request body is not valid JSON.", code="malformed_json") from None
    try:
        return LoginIn.model_validate(data)
    except ValidationError as error:
        fields = [{"field": ".".join(map(str, e["loc"])) or "body", "message": e["msg"]}
                  for e in error.errors()]
        raise Invalid("Send a username (or email) and a password.", code="validation_error",
                      errors=fields) from None


@router.post("/login", response_model=TokenOut, openapi_extra={"requestBody": LOGIN_BODY},
             responses={**ERRORS, 429: {"model": ErrorOut}})
async def login(request: Request, session: SessionDep) -> TokenOut:
    credentials = await _read_credentials(request)
    # bcrypt takes ~0.25 s: keep it off the event loop.
    with login_attempt(request, credentials.username):
        user = await run_hashing(auth.authenticate, session, credentials.username,
                                 credentials.password)
    token, expires_at = auth.issue_token(user.id)
    return TokenOut(access_token=token, expires_at=expires_at, user=user_out(user))


@router.get("/me", response_model=UserOut, responses=ERRORS)
async def me(token: BearerToken) -> UserOut:
    return await as_user(token, lambda _session, user: user_out(user))
