"""The image endpoints: upload grant, confirm, list (search, sort), get, change, delete,
bulk delete, zip. Each runs one action."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Path, Query, Response
from fastapi.responses import StreamingResponse

from imghost.api import convertors  # noqa: F401  ({image_id:integer})
from imghost.api.deps import BearerToken
from imghost.api.routing import api_router, model_response
from imghost.api.schemas import (
    BulkChangedOut,
    BulkDeletedOut,
    BulkExpiryIn,
    ConfirmIn,
    ErrorOut,
    ImageIdsIn,
    ImageOut,
    ImagePageOut,
    ImagePatchIn,
    UploadUrlIn,
    UploadUrlOut,
    ZipLinkOut,
)
from imghost.runtime import get_runtime
from imghost.services import bulk, image_types, images, uploads, zip_download

Sort = Literal["newest", "oldest", "largest"]
router = api_router(prefix="/api/images", tags=["images"])
ERRORS = {400: {"model": ErrorOut}, 401: {"model": ErrorOut}, 404: {"model": ErrorOut},
          503: {"model": ErrorOut}}


@router.post("/upload-url", response_model=UploadUrlOut, responses={**ERRORS, 429: {"model": ErrorOut}})
async def upload_url(body: UploadUrlIn, token: BearerToken) -> Response:
    runtime = get_runtime()
    grant = await runtime.run_as(token, uploads.start, body.filename, body.content_type,
                                 body.size_bytes, body.expires_in)
    return model_response(UploadUrlOut(**vars(grant)))


@router.post("/confirm", status_code=201, response_model=ImageOut,
             responses={**ERRORS, 200: {"model": ImageOut, "description": "Already confirmed"}})
async def confirm(body: ConfirmIn, token: BearerToken,
                  response: Response) -> ImageOut:
    runtime = get_runtime()
    finished = await runtime.run_as(token, uploads.finish, body.r2_key, body.filename,
                                    body.size_bytes, body.content_type)
    if not finished.created:
        response.status_code = 200
    return finished.image


@router.get("/", response_model=ImagePageOut, responses=ERRORS)
@router.get("", response_model=ImagePageOut, include_in_schema=False)
async def list_images(
    token: BearerToken,
    limit: Annotated[int | None, Query(ge=1, le=images.MAX_PAGE_SIZE)] = None,
    per_page: Annotated[int | None, Query(ge=1, le=images.MAX_PAGE_SIZE)] = None,
    cursor: Annotated[str | None, Query(max_length=64, description=(
        "next_cursor of the previous page (a cursor belongs to one sort)"),
        json_schema_extra={"pattern": images.CURSOR_PATTERN.pattern})] = None,
    before: Annotated[str | None, Query(max_length=64, description=(
        "prev_cursor of a page: the page before it, in the same order"),
        json_schema_extra={"pattern": images.CURSOR_PATTERN.pattern})] = None,
    q: Annotated[str | None, Query(description="Text the filename contains (any case)")] = None,
    type: Annotated[str | None, Query(  # noqa: A002
        description="Content type or extension, e.g. image/png or png",
        json_schema_extra={"enum": [*image_types.ALLOWED, *image_types.BY_EXTENSION]})] = None,
    created_from: Annotated[str | None, Query(
        alias="from", description="Uploaded on or after: YYYY-MM-DD or ISO 8601 time",
        json_schema_extra={"format": "date"})] = None,
    created_to: Annotated[str | None, Query(
        alias="to", description="Uploaded on or before: YYYY-MM-DD (the whole day) or ISO 8601 time",
        json_schema_extra={"format": "date"})] = None,
    sort: Annotated[Sort, Query(description="newest and oldest by upload, largest by size")] = "newest",
) -> ImagePageOut:
    runtime = get_runtime()
    size = limit or per_page or images.DEFAULT_PAGE_SIZE
    search = images.Search(q=q, type=type, created_from=created_from, created_to=created_to,
                           sort=sort)
    page = await runtime.run_as(token, images.list_page, size, cursor, search, before)
    return ImagePageOut(images=page.images, next_cursor=page.next_cursor,
                        prev_cursor=page.prev_cursor, total=page.total)


@router.post("/bulk-delete", response_model=BulkDeletedOut, responses=ERRORS)
async def bulk_delete(body: ImageIdsIn, token: BearerToken) -> BulkDeletedOut:
    """Delete up to IMGHOST_BULK_MAX_IMAGES images in one request; ids that are not
    yours (or are gone already) are listed as missing."""
    runtime = get_runtime()
    result = await runtime.run_as(token, bulk.remove_many, body.ids)
    return BulkDeletedOut(deleted=result.deleted, missing=result.missing)


@router.post("/bulk-expiry", response_model=BulkChangedOut, responses=ERRORS)
async def bulk_expiry(body: BulkExpiryIn, token: BearerToken) -> BulkChangedOut:
    """Set (or clear, with null) the expiry of up to IMGHOST_BULK_MAX_IMAGES images."""
    runtime = get_runtime()
    result = await runtime.run_as(token, bulk.set_expiry, body.ids, body.expires_in)
    return BulkChangedOut(changed=result.changed, missing=result.missing)


@router.post("/zip", response_model=ZipLinkOut,
             responses={**ERRORS, 413: {"model": ErrorOut}})
async def zip_link(body: ImageIdsIn, token: BearerToken) -> ZipLinkOut:
    """A short-lived link that downloads the images as one streamed zip."""
    runtime = get_runtime()
    link = await runtime.run_as(token, zip_download.grant_zip, body.ids)
    return ZipLinkOut(**vars(link))


@router.get("/zip/{link}", response_class=StreamingResponse,
            responses={200: {"content": {"application/zip": {}}}, 400: {"model": ErrorOut},
                       404: {"model": ErrorOut}})
async def zip_file(link: Annotated[str, Path(max_length=4096)]) -> StreamingResponse:
    runtime = get_runtime()
    download = await runtime.run(zip_download.open_zip, link)
    return StreamingResponse(download.chunks(runtime.storage), media_type="application/zip",
                             headers={"Content-Disposition":
                                      f'attachment; filename="{download.filename}"',
                                      "Cache-Control": "no-store"})


ImageId = Annotated[int, Path(ge=1, le=images.MAX_ID)]


@router.get("/{image_id:integer}", response_model=ImageOut, responses=ERRORS)
async def get_image(image_id: ImageId, token: BearerToken) -> ImageOut:
    runtime = get_runtime()
    return await runtime.run_as(token, images.get, image_id)


@router.patch("/{image_id:integer}", response_model=ImageOut, responses=ERRORS)
async def change(image_id: ImageId, body: ImagePatchIn, token: BearerToken) -> ImageOut:
    """Rename (`filename`) and/or set the expiry (`expires_in` seconds from now; null clears it)."""
    runtime = get_runtime()
    return await runtime.run_as(token, images.change, image_id, body.filename,
                                "expires_in" in body.model_fields_set, body.expires_in)


@router.delete("/{image_id:integer}", status_code=204, responses=ERRORS)
async def delete(image_id: ImageId, token: BearerToken) -> Response:
    runtime = get_runtime()
    await runtime.run_as(token, images.remove, image_id)
    return Response(status_code=204)
