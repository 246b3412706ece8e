"""The API's routers: FastAPI's, with one documented field per error model, not per route,
and their routes added to the app as its own.

FastAPI builds a pydantic field (a validator and a serializer) for every `responses`
entry with a `model`, on every route, only for the OpenAPI document. Our routes declare
ErrorOut for their 4xx/5xx answers 119 times, each built at every start. One field
per model gives the same document (tests/unit/test_api_routing.py).
"""

from __future__ import annotations

import functools
from typing import Any

from fastapi import APIRouter, FastAPI, Response
from fastapi.routing import APIRoute
from fastapi.utils import create_model_field
from pydantic import BaseModel


@functools.cache
def _documented_field(model: type) -> Any:
    return create_model_field(name=f"Response_{model.__name__}", type_=model,
                              mode="serialization")


class SharedResponseFieldsRoute(APIRoute):
    def __init__(self, path: str, endpoint: Any, *, responses: dict | None = None, **kwargs):
        responses = responses or {}
        models = {code: answer["model"] for code, answer in responses.items()
                  if isinstance(answer, dict) and answer.get("model")}
        super().__init__(path, endpoint, responses={
            code: ({k: v for k, v in answer.items() if k != "model"} if code in models
                   else answer) for code, answer in responses.items()}, **kwargs)
        # As given: the OpenAPI document reads the rest of each entry from here.
        self.responses = responses
        self.response_fields = {**self.response_fields,
                                **{code: _documented_field(model) for code, model in models.items()}}


def api_router(**kwargs: Any) -> APIRouter:
    return APIRouter(route_class=SharedResponseFieldsRoute, **kwargs)


def add_routes(api: FastAPI, router: APIRouter) -> None:
    """The router's routes, added to the app's own list, as include_router did before
    FastAPI kept included routers whole. A request to an included router's route is
    matched twice (once to find the router, once to pick its route), with scope
    bookkeeping for every candidate on the way and a walk of the route tree for its
    version: a quarter of the Python that GET /api/auth/me ran outside its action.
    Including added nothing to our routers' routes: each router carries its prefix and
    tags, and none is included with dependencies, responses or overrides."""
    api.router.routes.extend(router.routes)
    api.openapi_schema = None  # built from the routes on first use, these included


def model_response(model: BaseModel) -> Response:
    """The route's response model, already validated, as its JSON: returned as a Response,
    FastAPI neither validates nor serializes it again (the route still declares
    response_model for the OpenAPI document)."""
    return Response(model.__pydantic_serializer__.to_json(model), media_type="application/json")
