"""/api/files/{key}: the local backend's signed PUT, and GET for both backends.

GET serves only files that belong to an image (services/files.py): local files
directly, S3/R2 ones by a redirect to a short-lived presigned GET.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from imghost.api.errors import error_response
from imghost.api.routing import api_router
from imghost.errors import NotFound
from imghost.runtime import get_runtime
from imghost.services import files, local_puts

router = api_router(prefix="/api/files", tags=["files"], include_in_schema=False)

# Stored files are served as inert images: never sniffed into HTML, never
# allowed to run script even if one slipped through.
FILE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox",
    "Content-Disposition": "inline",
    "Cross-Origin-Resource-Policy": "cross-origin",
}
# A missing file may exist a moment later (an upload being confirmed): never cache the 404.
NOT_CACHED = {"Cache-Control": "no-store"}


@router.api_route("/{key:path}", methods=["GET", "HEAD"])
async def get_file(key: str) -> Response:
    runtime = get_runtime()
    try:
        served = await runtime.run(files.serve, key)
    except NotFound as missing:
        return error_response(404, missing.detail, missing.code, headers=NOT_CACHED)
    if served.redirect_url is not None:
        # The presigned GET expires in 5 minutes: the redirect must not outlive it.
        cache = f"private, max-age={served.cache_seconds(240)}"
        return RedirectResponse(served.redirect_url, status_code=307,
                                headers={"Cache-Control": cache})
    cache = f"public, max-age={served.cache_seconds(runtime.settings.file_cache_seconds)}"
    return FileResponse(served.path, media_type=served.content_type,
                        headers={**FILE_HEADERS, "Cache-Control": cache})


@router.put("/{key:path}")
async def put_file(key: str, request: Request, expires: str = "", signature: str = "") -> Response:
    runtime = get_runtime()
    length = request.headers.get("content-length")
    size = int(length) if length and length.isdigit() else None
    writer = await runtime.run(local_puts.open_put, key, request.headers.get("content-type", ""),
                               size, expires, signature)
    try:
        async for chunk in request.stream():
            writer.write(chunk)
        await run_in_threadpool(writer.commit)
    except BaseException:
        writer.abort()
        raise
    await runtime.run(local_puts.settle_put, key)
    return Response(status_code=200)
