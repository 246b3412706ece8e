"""The ASGI app granian serves: API paths straight to the FastAPI app, the rest to Reflex.

Reflex wraps everything it serves in a Starlette app of its own (lifespan, its context
middleware, CORS, a mount); the API needs none of that, so its requests skip that
layer. The lifespan (migrations, the sweep) and every page, asset and websocket still
go through Reflex. `reflex run` serves the same routes through Reflex's own app.
"""

from __future__ import annotations

from imghost.api.cors import swap_in_origin_cors
from imghost.imghost import app as reflex_app

# Served by the FastAPI app (imghost/api); everything else is Reflex's.
API_PREFIXES = ("/api/", "/i/", "/a/")


class ApiFirst:
    def __init__(self, api, pages):
        self.api = api
        self.pages = pages

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["path"].startswith(API_PREFIXES):
            await self.api(scope, receive, send)
        else:
            await self.pages(scope, receive, send)


def app() -> ApiFirst:
    """granian --factory imghost.asgi:app"""
    pages = reflex_app()  # builds Reflex's app; it mounts the API app as api_transformer
    swap_in_origin_cors(reflex_app.api_transformer)
    return ApiFirst(reflex_app.api_transformer, pages)
