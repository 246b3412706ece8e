"""POST /api/auth/register, POST /api/auth/login, GET /api/auth/me (sessions: api/sessions.py)."""

from __future__ import annotations

from fastapi import Request, Response
from pydantic import ValidationError

from imghost.api.deps import BearerToken, ClientIp, UserAgent
from imghost.api.routing import api_router, model_response
from imghost.api.schemas import ErrorOut, LoginIn, RegisterIn, TokenOut, UserOut
from imghost.errors import Invalid
from imghost.runtime import get_runtime
from imghost.services import accounts

router = api_router(prefix="/api/auth", tags=["auth"])

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


@router.post("/register", status_code=201, response_model=UserOut,
             responses={**ERRORS, 403: {"model": ErrorOut}, 409: {"model": ErrorOut},
                        429: {"model": ErrorOut}})
async def register(body: RegisterIn, ip: ClientIp, agent: UserAgent) -> UserOut:
    runtime = get_runtime()
    signed_up = await runtime.run_hashing(accounts.sign_up, body.username, body.email,
                                          body.password, ip, agent, False)
    return user_out(signed_up.user)


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
async def login(request: Request, ip: ClientIp, agent: UserAgent) -> TokenOut:
    runtime = get_runtime()
    credentials = await _read_credentials(request)
    logged_in = await runtime.run_hashing(accounts.log_in, credentials.username,
                                          credentials.password, ip, agent)
    return TokenOut(access_token=logged_in.token, expires_at=logged_in.expires_at,
                    user=user_out(logged_in.user))


@router.get("/me", response_model=UserOut, responses=ERRORS)
async def me(token: BearerToken) -> Response:
    return model_response(user_out(await get_runtime().run_as(token, accounts.profile)))
