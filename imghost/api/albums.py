"""The album endpoints. Each runs one action (services/albums.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query, Response

from imghost.api.deps import BearerToken
from imghost.api.routing import api_router
from imghost.api.schemas import (
    AlbumImagesIn,
    AlbumIn,
    AlbumOut,
    AlbumPageOut,
    AlbumPatchIn,
    ErrorOut,
    ImagePageOut,
)
from imghost.runtime import get_runtime
from imghost.services import albums
from imghost.services.cursors import MAX_ID
from imghost.services.images import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

router = api_router(prefix="/api/albums", tags=["albums"])
ERRORS = {400: {"model": ErrorOut}, 401: {"model": ErrorOut}, 404: {"model": ErrorOut},
          503: {"model": ErrorOut}}
AlbumId = Annotated[int, Path(ge=1, le=MAX_ID)]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)]
Cursor = Annotated[str | None, Query(max_length=64)]


@router.post("", status_code=201, response_model=AlbumOut, responses=ERRORS)
@router.post("/", status_code=201, response_model=AlbumOut, include_in_schema=False)
async def create(body: AlbumIn, token: BearerToken) -> AlbumOut:
    runtime = get_runtime()
    return await runtime.run_as(token, albums.create, body.title, body.description)


@router.get("", response_model=AlbumPageOut, responses=ERRORS)
@router.get("/", response_model=AlbumPageOut, include_in_schema=False)
async def list_albums(token: BearerToken, limit: Limit = DEFAULT_PAGE_SIZE,
                      cursor: Cursor = None) -> AlbumPageOut:
    runtime = get_runtime()
    page = await runtime.run_as(token, albums.list_albums, limit, cursor)
    return AlbumPageOut(albums=page.albums, next_cursor=page.next_cursor)


@router.get("/{album_id}", response_model=AlbumOut, responses=ERRORS)
async def get_album(album_id: AlbumId, token: BearerToken) -> AlbumOut:
    runtime = get_runtime()
    return await runtime.run_as(token, albums.get, album_id)


@router.patch("/{album_id}", response_model=AlbumOut, responses=ERRORS)
async def change(album_id: AlbumId, body: AlbumPatchIn, token: BearerToken) -> AlbumOut:
    runtime = get_runtime()
    given = body.model_fields_set
    cover = body.cover_image_id if "cover_image_id" in given else albums.UNCHANGED
    return await runtime.run_as(token, albums.change, album_id, body.title, body.description,
                                cover, body.shared)


@router.delete("/{album_id}", status_code=204, responses=ERRORS)
async def delete(album_id: AlbumId, token: BearerToken) -> Response:
    runtime = get_runtime()
    await runtime.run_as(token, albums.remove, album_id)
    return Response(status_code=204)


@router.get("/{album_id}/images", response_model=ImagePageOut, responses=ERRORS)
async def list_images(album_id: AlbumId, token: BearerToken,
                      limit: Limit = DEFAULT_PAGE_SIZE, cursor: Cursor = None) -> ImagePageOut:
    runtime = get_runtime()
    page = await runtime.run_as(token, albums.images_page, album_id, limit, cursor)
    return ImagePageOut(images=page.images, next_cursor=page.next_cursor, total=page.total)


@router.post("/{album_id}/images", response_model=AlbumOut, responses=ERRORS)
async def add_images(album_id: AlbumId, body: AlbumImagesIn, token: BearerToken) -> AlbumOut:
    runtime = get_runtime()
    return await runtime.run_as(token, albums.add_images, album_id, body.image_ids)


@router.delete("/{album_id}/images/{image_id}", status_code=204, responses=ERRORS)
async def remove_image(album_id: AlbumId, image_id: Annotated[int, Path(ge=1, le=MAX_ID)],
                       token: BearerToken) -> Response:
    runtime = get_runtime()
    await runtime.run_as(token, albums.remove_image, album_id, image_id)
    return Response(status_code=204)
