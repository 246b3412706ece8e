"""One error format everywhere: {"detail", "code"} plus field errors for validation."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException

from imghost.errors import ImghostError, TooManyRequests, Unauthorized, Unavailable

log = logging.getLogger("imghost.api")

HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 409: "conflict", 413: "payload_too_large",
              429: "rate_limited", 503: "unavailable"}


def error_response(status: int, detail: str, code: str, errors: list[dict] | None = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    body: dict = {"detail": detail, "code": code}
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, headers=headers)


def _field_name(loc: tuple) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def _validation_message(error: dict) -> str:
    kind = error.get("type", "")
    if kind == "missing":
        return "This field is required."
    if kind.endswith("_type") or kind.endswith("_parsing"):
        expected = kind.split("_", 1)[0]
        return f"Must be a valid {expected}."
    return error.get("msg", "Invalid value.")


async def _domain_error(_request: Request, error: ImghostError) -> JSONResponse:
    headers = None
    if isinstance(error, TooManyRequests | Unavailable) and error.retry_after is not None:
        headers = {"Retry-After": str(error.retry_after)}
    elif isinstance(error, Unauthorized):
        headers = {"WWW-Authenticate": "Bearer"}
    return error_response(error.status, error.detail, error.code, error.errors, headers)


async def _validation_error(_request: Request, error: RequestValidationError) -> JSONResponse:
    problems = error.errors()
    if any(p.get("type") == "json_invalid" for p in problems):
        return error_response(400, "The request body is not valid JSON.", "malformed_json")
    fields = [{"field": _field_name(tuple(p.get("loc", ()))), "message": _validation_message(p)}
              for p in problems]
    if fields and fields[0]["field"] == "body" and problems[0].get("type") == "missing":
        return error_response(400, "The request needs a JSON body.", "validation_error", fields)
    first = fields[0] if fields else {"field": "body", "message": "Invalid request."}
    return error_response(400, f"{first['field']}: {first['message']}", "validation_error", fields)


async def _http_error(_request: Request, error: HTTPException) -> JSONResponse:
    code = HTTP_CODES.get(error.status_code, "error")
    detail = error.detail if isinstance(error.detail, str) else code.replace("_", " ")
    return error_response(error.status_code, detail, code, headers=getattr(error, "headers", None))


async def _database_down(_request: Request, error: Exception) -> JSONResponse:
    log.warning("database unavailable: %s", error.__class__.__name__)
    return error_response(503, "The database is unavailable; try again shortly.",
                          "database_unavailable", headers={"Retry-After": "5"})


async def _unexpected(_request: Request, error: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=error)
    return error_response(500, "Something went wrong on the server.", "internal_error")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ImghostError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    for database_error in (OperationalError, InterfaceError, PoolTimeout):
        app.add_exception_handler(database_error, _database_down)
    app.add_exception_handler(Exception, _unexpected)
