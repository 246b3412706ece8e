"""The public share pages /i/{slug} and /a/{slug} (HTML, rendered here: unfurlers run
no script) and GET /api/oembed. They live in the FastAPI app Reflex mounts first, so
they answer before the Reflex frontend (tests/api/test_share_routes.py proves it)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from imghost.api import share_html
from imghost.api.deps import RuntimeDep
from imghost.api.schemas import ErrorOut, OEmbedOut
from imghost.errors import ImghostError, NotFound
from imghost.services import sharing
from imghost.services.cursors import MAX_ID

router = APIRouter(tags=["sharing"])
# Expiry and un-sharing must take effect at once: nobody may keep a stale copy.
PAGE_HEADERS = {"Cache-Control": "no-cache"}


def _html(body: str, settings, status: int = 200) -> HTMLResponse:
    return HTMLResponse(body, status_code=status, headers={
        **PAGE_HEADERS, "Content-Security-Policy": share_html.page_policy(settings)})


def _not_found(error: ImghostError, settings) -> HTMLResponse:
    if not isinstance(error, NotFound):
        raise error
    return _html(share_html.not_found_page(error.detail, settings), settings, status=404)


@router.get("/i/{slug}", response_class=HTMLResponse, include_in_schema=False)
async def image_page(slug: str, runtime: RuntimeDep) -> HTMLResponse:
    try:
        page = await runtime.run(sharing.image_page, slug)
    except ImghostError as error:
        return _not_found(error, runtime.settings)
    return _html(share_html.image_page(page, runtime.settings), runtime.settings)


@router.get("/a/{slug}", response_class=HTMLResponse, include_in_schema=False)
async def album_page(slug: str, runtime: RuntimeDep,
                     before: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None) -> HTMLResponse:
    try:
        album = await runtime.run(sharing.album_page, slug, before)
    except ImghostError as error:
        return _not_found(error, runtime.settings)
    return _html(share_html.album_page(album, runtime.settings), runtime.settings)


@router.get("/api/oembed", response_model=OEmbedOut,
            responses={400: {"model": ErrorOut}, 404: {"model": ErrorOut}})
async def oembed(runtime: RuntimeDep, url: Annotated[str, Query(max_length=2000)],
                 maxwidth: Annotated[int | None, Query(ge=1)] = None,
                 maxheight: Annotated[int | None, Query(ge=1)] = None,
                 format: Literal["json"] = "json") -> OEmbedOut:
    """oEmbed 1.0 for an image page: a `photo` with the largest rendition within bounds.
    Only JSON is offered; another format is a 400 (declared in the schema) rather than
    the spec's 501, since a 5xx would say the server failed."""
    found = await runtime.run(sharing.oembed, url, maxwidth, maxheight)
    return OEmbedOut(**vars(found))
