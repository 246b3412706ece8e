"""The image endpoints: upload grant, confirm, list, get, change, delete. Each runs one action."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from imghost.api import convertors  # noqa: F401  ({image_id:integer})
from imghost.api.deps import BearerToken, RuntimeDep
from imghost.api.schemas import (
    ConfirmIn,
    ErrorOut,
    ImageOut,
    ImagePageOut,
    ImagePatchIn,
    UploadUrlIn,
    UploadUrlOut,
)
from imghost.services import images, uploads

router = APIRouter(prefix="/api/images", tags=["images"])
ERRORS = {400: {"model": ErrorOut}, 401: {"model": ErrorOut}, 404: {"model": ErrorOut},
          503: {"model": ErrorOut}}


@router.post("/upload-url", response_model=UploadUrlOut, responses={**ERRORS, 429: {"model": ErrorOut}})
async def upload_url(body: UploadUrlIn, token: BearerToken, runtime: RuntimeDep) -> UploadUrlOut:
    grant = await runtime.run_as(token, uploads.start, body.filename, body.content_type,
                                 body.size_bytes, body.expires_in)
    return UploadUrlOut(**vars(grant))


@router.post("/confirm", status_code=201, response_model=ImageOut,
             responses={**ERRORS, 200: {"model": ImageOut, "description": "Already confirmed"}})
async def confirm(body: ConfirmIn, token: BearerToken, runtime: RuntimeDep,
                  response: Response) -> ImageOut:
    finished = await runtime.run_as(token, uploads.finish, body.r2_key, body.filename,
                                    body.size_bytes, body.content_type)
    if not finished.created:
        response.status_code = 200
    return finished.image


@router.get("/", response_model=ImagePageOut, responses=ERRORS)
@router.get("", response_model=ImagePageOut, include_in_schema=False)
async def list_images(token: BearerToken, runtime: RuntimeDep,
                      limit: Annotated[int | None, Query(ge=1, le=images.MAX_PAGE_SIZE)] = None,
                      per_page: Annotated[int | None, Query(ge=1, le=images.MAX_PAGE_SIZE)] = None,
                      cursor: Annotated[str | None, Query(
                          max_length=64, description="next_cursor of the previous page",
                          json_schema_extra={"pattern": images.CURSOR_PATTERN.pattern})] = None,
                      ) -> ImagePageOut:
    size = limit or per_page or images.DEFAULT_PAGE_SIZE
    page = await runtime.run_as(token, images.list_page, size, cursor)
    return ImagePageOut(images=page.images, next_cursor=page.next_cursor, total=page.total)


ImageId = Annotated[int, Path(ge=1, le=images.MAX_ID)]


@router.get("/{image_id:integer}", response_model=ImageOut, responses=ERRORS)
async def get_image(image_id: ImageId, token: BearerToken, runtime: RuntimeDep) -> ImageOut:
    return await runtime.run_as(token, images.get, image_id)


@router.patch("/{image_id:integer}", response_model=ImageOut, responses=ERRORS)
async def change(image_id: ImageId, body: ImagePatchIn, token: BearerToken,
                 runtime: RuntimeDep) -> ImageOut:
    """Rename (`filename`) and/or set the expiry (`expires_in` seconds from now; null clears it)."""
    return await runtime.run_as(token, images.change, image_id, body.filename,
                                "expires_in" in body.model_fields_set, body.expires_in)


@router.delete("/{image_id:integer}", status_code=204, responses=ERRORS)
async def delete(image_id: ImageId, token: BearerToken, runtime: RuntimeDep) -> Response:
    await runtime.run_as(token, images.remove, image_id)
    return Response(status_code=204)
