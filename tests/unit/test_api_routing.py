"""imghost.api.routing: one documented field per error model gives the document
FastAPI's own routes give (and builds no field per route)."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from imghost.api.routing import api_router


class Problem(BaseModel):
    detail: str


class Thing(BaseModel):
    name: str


def document(router: APIRouter) -> dict:
    @router.get("/things/{thing_id}", response_model=Thing,
                responses={404: {"model": Problem}, 409: {"model": Problem, "description": "Taken"}})
    async def get_thing(thing_id: int) -> Thing:
        return Thing(name="x")

    @router.get("/page", response_class=HTMLResponse, responses={400: {"model": Problem}})
    async def page() -> str:
        return "<p>"

    app = FastAPI()
    app.include_router(router, responses={503: {"model": Problem}})
    return app.openapi()


def test_the_document_is_fastapis():
    assert document(api_router(prefix="/api", tags=["t"])) == document(
        APIRouter(prefix="/api", tags=["t"]))


def test_routes_share_one_field_per_model():
    router = api_router()

    @router.get("/a", responses={400: {"model": Problem}, 404: {"model": Problem}})
    async def a() -> None: ...

    @router.get("/b", responses={400: {"model": Problem}})
    async def b() -> None: ...

    fields = [field for route in router.routes for field in route.response_fields.values()]
    assert len(fields) == 3
    assert len({id(field) for field in fields}) == 1
