"""Domain errors raised by services; the API and the UI turn them into messages.

Each carries a human sentence and a stable snake_case code, so every client sees
the same error whatever door it came in by.
"""

from __future__ import annotations


class ImghostError(Exception):
    status = 400
    code = "error"

    def __init__(self, detail: str, code: str | None = None, errors: list[dict] | None = None):
        super().__init__(detail)
        self.detail = detail
        if code:
            self.code = code
        self.errors = errors or []


class Invalid(ImghostError):
    status = 400
    code = "invalid"


class Unauthorized(ImghostError):
    status = 401
    code = "unauthorized"


class Forbidden(ImghostError):
    status = 403
    code = "forbidden"


class NotFound(ImghostError):
    status = 404
    code = "not_found"


class Conflict(ImghostError):
    status = 409
    code = "conflict"


class TooLarge(ImghostError):
    status = 413
    code = "too_large"


class TooManyRequests(ImghostError):
    status = 429
    code = "rate_limited"

    def __init__(self, detail: str, retry_after: int):
        super().__init__(detail)
        self.retry_after = retry_after


class Unavailable(ImghostError):
    status = 503
    code = "unavailable"

    def __init__(self, detail: str, code: str | None = None, retry_after: int | None = None):
        super().__init__(detail, code)
        self.retry_after = retry_after  # seconds, sent as Retry-After when known
