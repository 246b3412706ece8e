"""Rate-limit dependencies for the routes; the counting lives in services/rate_limit.py."""

from __future__ import annotations

from fastapi import Depends, Request

from imghost.api.deps import CurrentUser
from imghost.services.rate_limit import get_rate_limiter
from imghost.settings import get_settings


def client_ip(request: Request) -> str:
    """The caller's address; X-Forwarded-For only as far as our own proxies vouch for it."""
    hops = get_settings().trusted_proxy_hops
    forwarded = request.headers.get("x-forwarded-for", "")
    if hops and forwarded:
        chain = [part.strip() for part in forwarded.split(",") if part.strip()]
        # Each trusted proxy appends the address it saw: the one `hops` from the
        # right is the first one a client could not have written itself.
        if chain:
            return chain[-hops] if len(chain) >= hops else chain[0]
    return request.client.host if request.client else "unknown"


def limit_register(request: Request) -> None:
    get_rate_limiter().hit("register_ip", client_ip(request))


def limit_upload(user: CurrentUser) -> None:
    get_rate_limiter().hit("upload_user", user.id)


def login_attempt(request: Request, login: str):
    """Context manager around authentication: per-address and per-account limits."""
    return get_rate_limiter().login_attempt(client_ip(request), login)


RegisterLimit = Depends(limit_register)
UploadLimit = Depends(limit_upload)
