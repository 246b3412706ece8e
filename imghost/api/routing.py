"""The API's routers: FastAPI's, with one documented field per error model, not per route.

FastAPI builds a pydantic field (a validator and a serializer) for every `responses`
entry with a `model`, on every route, only for the OpenAPI document. Our routes declare
ErrorOut for their 4xx/5xx answers 119 times, each built at every start. One field
per model gives the same document (tests/unit/test_api_routing.py).
"""

from __future__ import annotations

import functools
from typing import Any

from fastapi import APIRouter
from fastapi.routing import APIRoute
from fastapi.utils import create_model_field


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
