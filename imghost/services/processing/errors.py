"""Why the pipeline refuses an upload; images.py turns it into a 400 and deletes the object."""

from __future__ import annotations


class Rejected(Exception):
    """The file is not something imghost will store. `code` is the API's error code."""

    def __init__(self, detail: str, code: str = "not_an_image"):
        super().__init__(detail)
        self.detail = detail
        self.code = code


class Malformed(Rejected):
    """A container's structure is broken (truncated, lengths pointing past the end)."""

    def __init__(self, detail: str):
        # Not "not_an_image": the signature was right, the structure inside lies.
        super().__init__(f"The file is damaged or truncated ({detail}).", code="invalid_image")
