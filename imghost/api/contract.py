"""What the OpenAPI document and the /api catch-all add to the routes' own contract.

- Limits that come from settings are stated in the document (size_bytes at most
  IMGHOST_MAX_UPLOAD_BYTES, a search text at most IMGHOST_SEARCH_MAX_CHARS, a selection
  at most IMGHOST_BULK_MAX_IMAGES ids), so a schema-valid request is one the server takes.
- A method a path does not have is 405 with an Allow header, not a 404.
"""

from __future__ import annotations

import functools
import re

from fastapi import FastAPI, Request
from starlette.exceptions import HTTPException
from starlette.routing import BaseRoute, Match

from imghost.api import convertors  # noqa: F401  (path patterns the routes rely on)
from imghost.api.errors import error_response
from imghost.errors import NotFound
from imghost.settings import Settings

# Every method a client may send to an /api path the routes do not answer.
ANY_METHOD = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE"]
_CAUGHT_METHODS = frozenset(ANY_METHOD)


def declare_settings_limits(api: FastAPI, settings: Settings) -> None:
    generate = api.openapi

    def openapi() -> dict:
        if api.openapi_schema is None:
            models = generate().get("components", {}).get("schemas", {})  # cached by FastAPI
            for name in ("UploadUrlIn", "ConfirmIn"):
                if name in models:
                    models[name]["properties"]["size_bytes"]["maximum"] = settings.max_upload_bytes
            if "ImageIdsIn" in models:
                models["ImageIdsIn"]["properties"]["ids"]["maxItems"] = settings.bulk_max_images
            listing = api.openapi_schema.get("paths", {}).get("/api/images/", {}).get("get", {})
            for parameter in listing.get("parameters", []):
                if parameter["name"] == "q":
                    parameter["schema"]["maxLength"] = settings.search_max_chars
        return api.openapi_schema

    api.openapi = openapi  # type: ignore[method-assign]


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_PARAMETER = re.compile(r"\{([^}:]+)(?::[^}]*)?\}")


@functools.lru_cache(maxsize=8)
def _documented_paths(api: FastAPI) -> list[tuple[re.Pattern, bool, frozenset[str], frozenset[str]]]:
    """(pattern, static, methods, integer parameters) of each path the document lists."""
    paths = []
    for template, operations in api.openapi().get("paths", {}).items():
        pattern = re.compile("^" + _PARAMETER.sub(lambda m: f"(?P<{m.group(1)}>[^/]+)",
                                                  re.escape(template).replace(r"\{", "{")
                                                  .replace(r"\}", "}")) + "$")
        integers = {parameter["name"] for operation in operations.values()
                    for parameter in operation.get("parameters", [])
                    if parameter.get("in") == "path"
                    and parameter.get("schema", {}).get("type") == "integer"}
        paths.append((pattern, "{" not in template, frozenset(m.upper() for m in operations),
                      frozenset(integers)))
    return paths


def _allowed_methods(api: FastAPI, path: str) -> list[str]:
    """The methods the document lists for this path: a static path ("/api/images/confirm")
    before a template that would also match it ("/api/images/{image_id}"), and a template
    only when its integer parameters are integers ("/api/images/nope" is no image's path)."""
    static: set[str] = set()
    templated: set[str] = set()
    for pattern, is_static, methods, integers in _documented_paths(api):
        found = pattern.match(path)
        if not found:
            continue
        if is_static:
            static |= methods
        elif all(re.fullmatch(r"-?[0-9]+", found.group(name)) for name in integers):
            templated |= methods
    return sorted(static or templated)


def install_api_catch_all(api: FastAPI) -> None:
    """Without this, unknown /api paths would fall through to Reflex's HTML 404."""

    @api.api_route("/api/{path:path}", methods=ANY_METHOD, include_in_schema=False)
    def unknown_api_path(path: str, request: Request) -> None:
        allowed = _allowed_methods(api, request.url.path)
        if allowed:
            raise HTTPException(405, f"{request.method} is not allowed here; use {', '.join(allowed)}.",
                                headers={"Allow": ", ".join(allowed)})
        raise NotFound(f"No API endpoint at /api/{path}.", code="not_found")


class ApiFallbackMiddleware:
    """What even the catch-all cannot take: a method outside ANY_METHOD ("QUERY",
    "FOO") or a path its pattern does not match (a raw newline). Those would reach
    the frontend Reflex mounts after our routes and get its plain-text 404."""

    def __init__(self, app, api: FastAPI, api_routes: list[BaseRoute]):
        self.app = app
        self.api = api
        self.api_routes = api_routes  # filled in by create_api once the routes exist

    async def __call__(self, scope, receive, send):
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith("/api/"):
            await self.app(scope, receive, send)
            return
        # No API path has a control character in it (and routing treats a newline
        # unevenly: some patterns stop at it, some do not).
        clean = not _CONTROL.search(path)
        # Any such path with one of these methods reaches a route: the catch-all takes
        # what the others do not. Only the rest is matched here, route by route.
        if clean and (scope["method"] in _CAUGHT_METHODS
                      or any(route.matches(scope)[0] == Match.FULL for route in self.api_routes)):
            await self.app(scope, receive, send)
            return
        allowed = _allowed_methods(self.api, path) if clean else []
        if allowed:
            reply = error_response(405, f"{scope['method']} is not allowed here; use "
                                   f"{', '.join(allowed)}.", "method_not_allowed",
                                   headers={"Allow": ", ".join(allowed)})
        else:
            reply = error_response(404, "No API endpoint at that address.", "not_found")
        await reply(scope, receive, send)


def install_api_fallback(api: FastAPI) -> list[BaseRoute]:
    """Install the fallback innermost; returns the list to fill with the API's routes."""
    routes: list[BaseRoute] = []
    api.add_middleware(ApiFallbackMiddleware, api=api, api_routes=routes)
    return routes
