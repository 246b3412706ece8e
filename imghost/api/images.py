"""The image endpoints: upload grant, confirm, list, delete."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from imghost.api.availability import StorageReachable
from imghost.api.deps import CurrentUser, SessionDep, StorageDep
from imghost.api.rate_limits import UploadLimit
from imghost.api.schemas import (
    ConfirmIn,
    ErrorOut,
    ImageOut,
    ImagePageOut,
    UploadUrlIn,
    UploadUrlOut,
)
from imghost.services import images

router = APIRouter(prefix="/api/images", tags=["images"])
ERRORS = {400: {"model": ErrorOut}, 401: {"model": ErrorOut}, 404: {"model": ErrorOut},
          503: {"model": ErrorOut}}


@router.post("/upload-url", response_model=UploadUrlOut, dependencies=[UploadLimit, StorageReachable],
             responses={**ERRORS, 429: {"model": ErrorOut}})
def upload_url(body: UploadUrlIn, user: CurrentUser, session: SessionDep,
               storage: StorageDep) -> UploadUrlOut:
    grant = images.grant_upload(session, storage, user.id, body.filename, body.content_type,
                                body.size_bytes)
    return UploadUrlOut(**asdict(grant))


@router.post("/confirm", status_code=201, response_model=ImageOut,
             responses={**ERRORS, 200: {"model": ImageOut, "description": "Already confirmed"}})
def confirm(body: ConfirmIn, user: CurrentUser, session: SessionDep, storage: StorageDep,
            response: Response) -> ImageOut:
    image, created = images.confirm_upload(session, storage, user.id, body.r2_key,
                                           body.filename, body.size_bytes, body.content_type)
    if not created:
        response.status_code = 200
    return ImageOut(**asdict(images.view(image, storage)))


@router.get("/", response_model=ImagePageOut, responses=ERRORS)
@router.get("", response_model=ImagePageOut, include_in_schema=False)
def list_images(user: CurrentUser, session: SessionDep, storage: StorageDep,
                limit: Annotated[int | None, Query(ge=1, le=images.MAX_PAGE_SIZE)] = None,
                per_page: Annotated[int | None, Query(ge=1, le=images.MAX_PAGE_SIZE)] = None,
                cursor: Annotated[str | None, Query(max_length=64)] = None) -> ImagePageOut:
    size = limit or per_page or images.DEFAULT_PAGE_SIZE
    page = images.list_images(session, storage, user.id, size, cursor)
    return ImagePageOut(images=[ImageOut(**asdict(v)) for v in page.images],
                        next_cursor=page.next_cursor, total=page.total)


@router.delete("/{image_id}", status_code=204, responses=ERRORS)
def delete(image_id: Annotated[int, Path(ge=1, le=images.MAX_ID)], user: CurrentUser,
           session: SessionDep, storage: StorageDep) -> Response:
    images.delete_image(session, storage, user.id, image_id)
    return Response(status_code=204)
