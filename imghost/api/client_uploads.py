"""POST /api/images (one-request upload for ShareX, scripts, curl) and its delete links."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Request
from fastapi.responses import HTMLResponse

from imghost.api import delete_page
from imghost.api.credential_schemas import UploadedImageOut
from imghost.api.deps import BearerToken
from imghost.api.multipart_upload import read_file_field, refuse_declared_length
from imghost.api.routing import api_router
from imghost.api.schemas import ErrorOut
from imghost.errors import NotFound
from imghost.runtime import get_runtime
from imghost.services import delete_links, direct_upload, images

router = api_router(prefix="/api/images", tags=["images"])
DELETE_PATH = "/{image_id}/delete/{secret}"
SecretPath = Annotated[str, Path(max_length=delete_links.MAX_SECRET_CHARS)]
ImageId = Annotated[int, Path(ge=1, le=images.MAX_ID)]

UPLOAD_BODY = {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {"file": {"type": "string", "format": "binary"},
                   "filename": {"type": "string", "description": "Display name (optional)"}}}}}}


def delete_url(site_url: str, image_id: int, secret: str) -> str:
    return f"{site_url}/api/images/{image_id}/delete/{secret}"


@router.post("", status_code=201, response_model=UploadedImageOut,
             openapi_extra={"requestBody": UPLOAD_BODY},
             responses={code: {"model": ErrorOut} for code in (400, 401, 403, 413, 429, 503)})
async def upload(request: Request, token: BearerToken) -> UploadedImageOut:
    """Upload one image in one request: multipart/form-data, field `file`. Needs a login
    token or an API token with images:write. The same checks as upload-url + confirm."""
    runtime = get_runtime()
    limit = runtime.settings.max_upload_bytes
    refuse_declared_length(request, limit)
    await runtime.run_as(token, direct_upload.check_allowed)
    received = await read_file_field(request, limit)
    try:
        uploaded = await runtime.run_as(token, direct_upload.upload, received.file, received.size,
                                        received.filename, received.content_type)
    finally:
        await received.close()
    image = uploaded.image
    return UploadedImageOut(
        **image.model_dump(exclude={"thumbnail_url"}), url=image.public_url,
        thumbnail_url=image.thumbnail_url or image.public_url,
        delete_url=delete_url(runtime.settings.site_url, image.id, uploaded.delete_secret))


@router.get(DELETE_PATH, response_class=HTMLResponse, include_in_schema=False)
async def confirm_delete(image_id: ImageId, secret: SecretPath) -> HTMLResponse:
    runtime = get_runtime()
    try:
        return delete_page.confirm_page(await runtime.run(delete_links.describe, image_id, secret))
    except NotFound as missing:
        return delete_page.not_found_page(missing.detail)


@router.post(DELETE_PATH, response_class=HTMLResponse, include_in_schema=False)
async def delete_by_link(image_id: ImageId, secret: SecretPath) -> HTMLResponse:
    runtime = get_runtime()
    try:
        return delete_page.deleted_page(await runtime.run(delete_links.delete, image_id, secret))
    except NotFound as missing:
        return delete_page.not_found_page(missing.detail)
