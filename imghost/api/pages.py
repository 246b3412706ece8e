"""The public share pages /i/{slug} and /a/{slug} (HTML, rendered here: unfurlers run
no script) and GET /api/oembed. They live in the FastAPI app Reflex mounts first, so
they answer before the Reflex frontend (tests/api/test_share_routes.py proves it)."""

from __future__ import annotations

import functools
from typing import Annotated, Literal

from fastapi import Query
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import Row

from imghost.api import share_html
from imghost.api.routing import api_router
from imghost.api.schemas import ErrorOut, OEmbedOut
from imghost.errors import ImghostError, NotFound
from imghost.runtime import Runtime, get_runtime
from imghost.services import sharing
from imghost.services.cursors import MAX_ID

router = api_router(tags=["sharing"])


@functools.lru_cache(maxsize=8)
def _page_headers(runtime: Runtime) -> dict[str, str]:
    # Expiry and un-sharing must take effect at once: nobody may keep a stale copy.
    return {"Cache-Control": "no-cache",
            "Content-Security-Policy": share_html.page_policy(runtime.settings)}


def _html(body: str | bytes, runtime: Runtime, status: int = 200) -> HTMLResponse:
    return HTMLResponse(body, status_code=status, headers=_page_headers(runtime))


@functools.lru_cache(maxsize=64)
def _not_found_html(message: str, runtime: Runtime) -> bytes:
    return share_html.not_found_page(message, runtime.settings).encode()


def _not_found(error: ImghostError, runtime: Runtime) -> HTMLResponse:
    if not isinstance(error, NotFound):
        raise error
    return _html(_not_found_html(error.detail, runtime), runtime, status=404)


@functools.lru_cache(maxsize=1024)
def _image_page_html(image: Row, runtime: Runtime) -> bytes:
    """The page is a function of the image's row, read on every request: a rename, a
    new expiry or a rendition made is another row, so another key; a deleted or
    expired image has no row and never reaches this."""
    return share_html.image_page(sharing.shared(image, runtime.storage),
                                 runtime.settings).encode()


@router.get("/i/{slug}", response_class=HTMLResponse, include_in_schema=False)
async def image_page(slug: str) -> HTMLResponse:
    runtime = get_runtime()
    try:
        image = await runtime.run(sharing.image_row, slug)
    except ImghostError as error:
        return _not_found(error, runtime)
    return _html(_image_page_html(image, runtime), runtime)


@functools.lru_cache(maxsize=64)
def _album_page_html(found: sharing.AlbumRows, runtime: Runtime) -> bytes:
    """As _image_page_html: a function of the rows read on every request (the album's,
    its page of images, its cover and count), fewer kept as each holds a page of rows."""
    album = sharing.shared_album(found, runtime.storage, runtime.settings.site_url)
    return share_html.album_page(album, runtime.settings).encode()


@router.get("/a/{slug}", response_class=HTMLResponse, include_in_schema=False)
async def album_page(slug: str,
                     before: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None) -> HTMLResponse:
    runtime = get_runtime()
    try:
        found = await runtime.run(sharing.album_rows, slug, before)
    except ImghostError as error:
        return _not_found(error, runtime)
    return _html(_album_page_html(found, runtime), runtime)


@functools.lru_cache(maxsize=1024)
def _oembed_json(image: Row, max_width: int | None, max_height: int | None,
                 runtime: Runtime) -> bytes:
    """As _image_page_html: a function of the row read on every request (and the bounds)."""
    answer = sharing.oembed(sharing.shared(image, runtime.storage), runtime.settings.site_url,
                            max_width, max_height)
    return answer.model_dump_json().encode()


@router.get("/api/oembed", response_model=OEmbedOut,
            responses={400: {"model": ErrorOut}, 404: {"model": ErrorOut}})
async def oembed(url: Annotated[str, Query(max_length=2000)],
                 maxwidth: Annotated[int | None, Query(ge=1)] = None,
                 maxheight: Annotated[int | None, Query(ge=1)] = None,
                 format: Literal["json"] = "json") -> Response:
    """oEmbed 1.0 for an image page: a `photo` with the largest rendition within bounds.
    Only JSON is offered; another format is a 400 (declared in the schema) rather than
    the spec's 501, since a 5xx would say the server failed."""
    runtime = get_runtime()
    image = await runtime.run(sharing.oembed_image, url, maxwidth, maxheight)
    return Response(_oembed_json(image, maxwidth, maxheight, runtime),
                    media_type="application/json")
