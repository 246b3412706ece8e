"""What the routes get from a request: the bearer token, the caller's address and agent.

A route parses its input, runs ONE action through get_runtime() and shapes the result.
Routes are async and the runner makes one thread hop for the whole action (token
check, work and commit): FastAPI's sync dependencies would each be a hop of their own.
The runtime is not a dependency: FastAPI solves each one per request (~25 µs here),
and the runtime is one object per process.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import OAuth2PasswordBearer

from imghost.errors import Unauthorized
from imghost.runtime import get_runtime


def bearer_token_of(authorization: str | None) -> str:
    """The token of an `Authorization: Bearer <token>` header, read as FastAPI's
    OAuth2PasswordBearer reads it, or our own 401 when there is none."""
    scheme, _, token = (authorization or "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("Log in first: send 'Authorization: Bearer <token>'.",
                           code="not_authenticated")
    return token


class _RequiredBearer(OAuth2PasswordBearer):
    """The bearer token, or our own 401 when there is none: one dependency (a security
    scheme) instead of a scheme plus a checker, since each costs every request."""

    async def __call__(self, request: Request) -> str:
        return bearer_token_of(request.headers.get("Authorization"))


# tokenUrl makes Swagger UI's "Authorize" log in with the OAuth2 form; the scheme keeps
# the standard class's name in the OpenAPI document.
bearer_token = _RequiredBearer(tokenUrl="/api/auth/login", auto_error=False,
                               scheme_name="OAuth2PasswordBearer")


def client_ip(request: Request) -> str:
    """The caller's address; X-Forwarded-For only as far as our own proxies vouch for it."""
    hops = get_runtime().settings.trusted_proxy_hops
    forwarded = request.headers.get("x-forwarded-for", "")
    if hops and forwarded:
        chain = [part.strip() for part in forwarded.split(",") if part.strip()]
        # Each trusted proxy appends the address it saw: the one `hops` from the
        # right is the first one a client could not have written itself.
        if chain:
            return chain[-hops] if len(chain) >= hops else chain[0]
    return request.client.host if request.client else "unknown"


def user_agent(request: Request) -> str:
    return request.headers.get("user-agent", "")


BearerToken = Annotated[str, Security(bearer_token)]
ClientIp = Annotated[str, Depends(client_ip)]
UserAgent = Annotated[str, Depends(user_agent)]
