"""Dependencies shared by the routers: database session, storage, current user."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends
from fastapi.security import OAuth2PasswordBearer
from sqlmodel import Session

from imghost.db import session_scope
from imghost.errors import Unauthorized
from imghost.models import User
from imghost.services import auth
from imghost.services.storage import Storage, get_storage

# tokenUrl makes Swagger UI's "Authorize" log in with the OAuth2 form.
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/auth/login", auto_error=False)


def get_session() -> Iterator[Session]:
    with session_scope() as session:
        yield session


# "function" scope commits before the response leaves: with the default ("request")
# a client could read its own write too early (register, then log in at once → 401).
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
StorageDep = Annotated[Storage, Depends(get_storage)]


def get_current_user(session: SessionDep,
                     token: Annotated[str | None, Depends(oauth2_scheme)]) -> User:
    if not token:
        raise Unauthorized("Log in first: send 'Authorization: Bearer <token>'.",
                           code="not_authenticated")
    return auth.user_for_token(session, token)


CurrentUser = Annotated[User, Depends(get_current_user)]
