"""create_api(): the FastAPI app Reflex serves beside its pages (api_transformer)."""

from __future__ import annotations

from fastapi import FastAPI

from imghost.api import (
    albums,
    auth,
    client_uploads,
    files,
    health,
    images,
    metrics,
    pages,
    sessions,
    tokens,
)
from imghost.api.body_limit import install_body_limit
from imghost.api.contract import (
    declare_settings_limits,
    install_api_catch_all,
    install_api_fallback,
)
from imghost.api.direct import install_direct_routes
from imghost.api.docs import install_docs
from imghost.api.errors import install_error_handlers
from imghost.api.observability import install_observability
from imghost.api.routing import add_routes
from imghost.api.security import SecurityHeaders
from imghost.runtime import get_runtime

DESCRIPTION = (
    "The imghost REST API. Log in with **Authorize** (username or email + password), "
    "then: `POST /api/images/upload-url` → PUT the bytes to `upload_url` with the "
    "returned headers → `POST /api/images/confirm`. Scripts and screenshot tools use an "
    "API token (`POST /api/tokens`, sent as `Authorization: Bearer imghost_pat_…`) and "
    "upload in one request: `POST /api/images` with a multipart `file` field. "
    "A token can do what its scopes allow (`images:read`, `images:write`, "
    "`images:delete`); managing tokens, sessions and the password needs a login."
)


def create_api() -> FastAPI:
    api = FastAPI(title="imghost", version="1.0.0", description=DESCRIPTION,
                  # /api/docs is served from local files by install_docs (no CDN).
                  docs_url=None, redoc_url=None, openapi_url="/api/openapi.json",
                  swagger_ui_parameters={"persistAuthorization": True},
                  # FastAPI's OpenTelemetry hooks look up the global tracer, meter and
                  # logger providers on every request (~5% of a liveness probe's CPU) to
                  # find them unconfigured: imghost exports Prometheus metrics and JSON
                  # logs instead (api/metrics.py, api/observability.py).
                  telemetry={"tracing": False, "metrics": False, "logs": False})
    settings = get_runtime().settings
    install_error_handlers(api)
    api_routes = install_api_fallback(api)
    install_body_limit(api, settings)  # outside the routes; the outer middleware adds headers
    # Liveness probes answered at the edge, without FastAPI's routing (api/direct.py).
    install_direct_routes(api, {"/api/health/live": health.LIVE_JSON})
    # One middleware adds the request id, the security headers, the log line and the
    # metrics; added last = outermost: sees every answer.
    install_observability(api, settings, SecurityHeaders(settings, install_docs(api)))
    # Starlette tries routes in order: the busiest first (probes, tokens, images, pages).
    for module in (health, auth, images, pages, files, client_uploads, albums, sessions,
                   tokens, metrics):
        add_routes(api, module.router)

    install_api_catch_all(api)  # after every route: it answers what they do not
    api_routes.extend(api.router.routes)  # ours, before Reflex adds the frontend's
    declare_settings_limits(api, settings)
    return api
