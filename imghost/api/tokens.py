"""POST/GET /api/tokens, DELETE /api/tokens/{id}: personal access tokens (logins only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Response

from imghost.api.credential_schemas import CreatedTokenOut, TokenIn, TokenOut
from imghost.api.deps import BearerToken
from imghost.api.routing import api_router
from imghost.api.schemas import ErrorOut
from imghost.runtime import get_runtime
from imghost.services import images, tokens

router = api_router(prefix="/api/tokens", tags=["tokens"])
ERRORS = {400: {"model": ErrorOut}, 401: {"model": ErrorOut}, 403: {"model": ErrorOut}}


@router.post("", status_code=201, response_model=CreatedTokenOut,
             responses={**ERRORS, 409: {"model": ErrorOut}})
async def create_token(body: TokenIn, token: BearerToken) -> CreatedTokenOut:
    runtime = get_runtime()
    return await runtime.run_as(token, tokens.create, body.name, body.scopes,
                                body.expires_in_days)


@router.get("", response_model=list[TokenOut], responses=ERRORS)
async def list_tokens(token: BearerToken) -> list[TokenOut]:
    runtime = get_runtime()
    return await runtime.run_as(token, tokens.list_tokens)


@router.delete("/{token_id}", status_code=204, responses={**ERRORS, 404: {"model": ErrorOut}})
async def revoke_token(token_id: Annotated[int, Path(ge=1, le=images.MAX_ID)],
                       token: BearerToken) -> Response:
    runtime = get_runtime()
    await runtime.run_as(token, tokens.revoke, token_id)
    return Response(status_code=204)
