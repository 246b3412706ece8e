"""/api/files/{key}: the local backend's signed PUT, and GET for both backends.

GET serves local objects directly and redirects to a short-lived presigned GET
for a private S3/R2 bucket.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from imghost.errors import NotFound
from imghost.runtime import get_runtime
from imghost.services.sharing import file_lifetime
from imghost.services.storage import validate_key

router = APIRouter(prefix="/api/files", tags=["files"], include_in_schema=False)

# Stored files are served as inert images: never sniffed into HTML, never
# allowed to run script even if one slipped through.
FILE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox",
    "Cache-Control": "public, max-age=31536000, immutable",
    "Cross-Origin-Resource-Policy": "cross-origin",
}
YEAR = 31536000
NOT_FOUND = NotFound("No file at that address.", code="file_not_found")


@router.api_route("/{key:path}", methods=["GET", "HEAD"])
def get_file(key: str) -> Response:
    runtime = get_runtime()
    storage = runtime.storage
    try:
        validate_key(key)
    except Exception:
        raise NOT_FOUND from None
    lifetime = runtime.call(file_lifetime, key)
    if lifetime is not None and lifetime <= 0:  # gone at once, before the sweep takes the bytes
        raise NOT_FOUND
    if storage.kind == "s3":
        cache = f"private, max-age={_cache_seconds(240, lifetime)}"
        return RedirectResponse(storage.presign_get(key), status_code=307,
                                headers={"Cache-Control": cache})
    path = storage.path(key)
    if not path.is_file():
        raise NOT_FOUND
    headers = FILE_HEADERS
    if lifetime is not None:  # no cache may keep an expiring image past its expiry
        headers = {**FILE_HEADERS, "Cache-Control": f"public, max-age={_cache_seconds(YEAR, lifetime)}"}
    return FileResponse(path, media_type=storage.content_type(key), headers=headers)


def _cache_seconds(usual: int, lifetime: float | None) -> int:
    return usual if lifetime is None else max(0, min(usual, int(lifetime)))


@router.put("/{key:path}")
async def put_file(key: str, request: Request, expires: str = "", signature: str = "") -> Response:
    storage = get_runtime().storage
    if storage.kind != "local":
        raise NOT_FOUND
    length = request.headers.get("content-length")
    size = int(length) if length and length.isdigit() else None
    storage.verify_put(key, request.headers.get("content-type", ""), size, expires, signature)
    writer = await run_in_threadpool(storage.begin_write, key, size)
    try:
        async for chunk in request.stream():
            writer.write(chunk)
        await run_in_threadpool(writer.commit)
    except BaseException:
        writer.abort()
        raise
    return Response(status_code=200)
