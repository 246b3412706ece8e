"""Sessions: log out, list, end one, end all, and the password change that ends the others."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Response

from imghost.api.credential_schemas import PasswordChangedOut, PasswordIn, SessionOut, SessionsEndedOut
from imghost.api.deps import BearerToken
from imghost.api.routing import api_router
from imghost.api.schemas import ErrorOut
from imghost.runtime import get_runtime
from imghost.services import accounts, images, sessions

router = api_router(prefix="/api/auth", tags=["sessions"])
ERRORS = {400: {"model": ErrorOut}, 401: {"model": ErrorOut}, 403: {"model": ErrorOut}}


@router.post("/logout", status_code=204, responses=ERRORS)
async def logout(token: BearerToken) -> Response:
    runtime = get_runtime()
    await runtime.run_as(token, sessions.log_out)
    return Response(status_code=204)


@router.get("/sessions", response_model=list[SessionOut], responses=ERRORS)
async def list_sessions(token: BearerToken) -> list[SessionOut]:
    runtime = get_runtime()
    return await runtime.run_as(token, sessions.list_sessions)


@router.delete("/sessions", response_model=SessionsEndedOut, responses=ERRORS)
async def log_out_everywhere(token: BearerToken) -> SessionsEndedOut:
    runtime = get_runtime()
    return SessionsEndedOut(sessions_ended=await runtime.run_as(token, sessions.end_all))


@router.delete("/sessions/{session_id}", status_code=204,
               responses={**ERRORS, 404: {"model": ErrorOut}})
async def end_session(session_id: Annotated[int, Path(ge=1, le=images.MAX_ID)],
                      token: BearerToken) -> Response:
    runtime = get_runtime()
    await runtime.run_as(token, sessions.end, session_id)
    return Response(status_code=204)


@router.post("/password", response_model=PasswordChangedOut,
             responses={**ERRORS, 429: {"model": ErrorOut}})
async def change_password(body: PasswordIn, token: BearerToken) -> PasswordChangedOut:
    runtime = get_runtime()
    ended = await runtime.run_as_hashing(token, accounts.change_password, body.current_password,
                                         body.new_password)
    return PasswordChangedOut(sessions_ended=ended)
