"""Read one file from a multipart/form-data request with a hard cap on the body.

python-multipart (through Starlette's parser) streams the file part into a spooled
temporary file: up to 1 MiB in memory, the rest on disk. A declared Content-Length
over the cap is refused before a byte is read; a body that grows past the cap
(chunked, or lying about its length) is cut off as soon as it does.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import BinaryIO

from fastapi import Request
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from imghost.errors import Invalid, TooLarge

# Room for the part headers, the boundaries and the optional filename field.
MULTIPART_OVERHEAD_BYTES = 64 * 1024
MAX_TEXT_FIELD_BYTES = 4096


@dataclass
class ReceivedFile:
    file: BinaryIO
    size: int
    filename: str | None
    content_type: str
    upload: UploadFile

    async def close(self) -> None:
        await self.upload.close()


def too_large(limit: int) -> TooLarge:
    return TooLarge(f"The file is larger than the {limit // (1024 * 1024)} MiB limit.",
                    code="file_too_large")


def refuse_declared_length(request: Request, file_limit: int) -> None:
    """413 from the headers alone, before the body is read."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > file_limit + MULTIPART_OVERHEAD_BYTES:
        raise too_large(file_limit)


async def _capped(request: Request, cap: int, file_limit: int) -> AsyncIterator[bytes]:
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > cap:
            raise too_large(file_limit)
        yield chunk


async def read_file_field(request: Request, file_limit: int) -> ReceivedFile:
    """The `file` part (and the optional `filename` field) of a multipart body."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise Invalid("Send the image as multipart/form-data with a 'file' field.",
                      code="validation_error",
                      errors=[{"field": "file", "message": "This field is required."}])
    parser = MultiPartParser(request.headers,
                             _capped(request, file_limit + MULTIPART_OVERHEAD_BYTES, file_limit),
                             max_files=1, max_fields=4, max_part_size=MAX_TEXT_FIELD_BYTES)
    try:
        form = await parser.parse()
    except MultiPartException as error:
        raise Invalid(f"The multipart body is malformed: {error.message}",
                      code="malformed_multipart") from None
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        await form.close()
        raise Invalid("Send the image in a 'file' field.", code="validation_error",
                      errors=[{"field": "file", "message": "This field is required."}])
    if upload.size is not None and upload.size > file_limit:
        await form.close()
        raise too_large(file_limit)
    named = form.get("filename")
    filename = named if isinstance(named, str) and named.strip() else upload.filename
    return ReceivedFile(file=upload.file, size=upload.size or 0, filename=filename,
                        content_type=upload.content_type or "application/octet-stream",
                        upload=upload)
