"""The image endpoints: upload grant, confirm, list, delete."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from imghost.api.availability import StorageReachable
from imghost.api.deps import BearerToken, as_user
from imghost.api.rate_limits import limit_upload
from imghost.api.schemas import (
    ConfirmIn,
    ErrorOut,
    ImageOut,
    ImagePageOut,
    UploadUrlIn,
    UploadUrlOut,
)
from imghost.services import images
from imghost.services.storage import get_storage

router = APIRouter(prefix="/api/images", tags=["images"])
ERRORS = {400: {"model": ErrorOut}, 401: {"model": ErrorOut}, 404: {"model": ErrorOut},
          503: {"model": ErrorOut}}


# The routes are async and do their blocking work in one thread hop (deps.as_user).
def _image_out(view: images.ImageView) -> ImageOut:
    return ImageOut(**vars(view))  # a flat dataclass: no need for asdict's deep copy


@router.post("/upload-url", response_model=UploadUrlOut, dependencies=[StorageReachable],
             responses={**ERRORS, 429: {"model": ErrorOut}})
async def upload_url(body: UploadUrlIn, token: BearerToken) -> UploadUrlOut:
    def work(session, user) -> UploadUrlOut:
        limit_upload(user)
        grant = images.grant_upload(session, get_storage(), user.id, body.filename,
                                    body.content_type, body.size_bytes)
        return UploadUrlOut(**vars(grant))

    return await as_user(token, work)


@router.post("/confirm", status_code=201, response_model=ImageOut,
             responses={**ERRORS, 200: {"model": ImageOut, "description": "Already confirmed"}})
async def confirm(body: ConfirmIn, token: BearerToken, response: Response) -> ImageOut:
    def work(session, user) -> ImageOut:
        storage = get_storage()
        image, created = images.confirm_upload(session, storage, user.id, body.r2_key,
                                               body.filename, body.size_bytes, body.content_type)
        if not created:
            response.status_code = 200
        return _image_out(images.view(image, storage))

    return await as_user(token, work)


@router.get("/", response_model=ImagePageOut, responses=ERRORS)
@router.get("", response_model=ImagePageOut, include_in_schema=False)
async def list_images(token: BearerToken,
                      limit: Annotated[int | None, Query(ge=1, le=images.MAX_PAGE_SIZE)] = None,
                      per_page: Annotated[int | None, Query(ge=1, le=images.MAX_PAGE_SIZE)] = None,
                      cursor: Annotated[str | None, Query(max_length=64)] = None) -> ImagePageOut:
    size = limit or per_page or images.DEFAULT_PAGE_SIZE

    def work(session, user) -> ImagePageOut:
        page = images.list_images(session, get_storage(), user.id, size, cursor)
        return ImagePageOut(images=[_image_out(v) for v in page.images],
                            next_cursor=page.next_cursor, total=page.total)

    return await as_user(token, work)


@router.delete("/{image_id}", status_code=204, responses=ERRORS)
async def delete(image_id: Annotated[int, Path(ge=1, le=images.MAX_ID)],
                 token: BearerToken) -> Response:
    def work(session, user) -> None:
        images.delete_image(session, get_storage(), user.id, image_id)

    await as_user(token, work)
    return Response(status_code=204)
