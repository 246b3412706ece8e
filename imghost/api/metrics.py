"""HTTP metrics and GET /api/metrics (the actions' own counters: services/metrics.py).

Request metrics are labelled by route *template* (`/api/images/{image_id}`), never by
raw path, so a scan of random URLs cannot blow up the number of series. With several
worker processes set PROMETHEUS_MULTIPROC_DIR (an empty directory, cleared before
start) and every worker's counts are summed on each scrape.
"""

from __future__ import annotations

import ipaddress
import logging
import os

from fastapi import Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from imghost.api.deps import ClientIp
from imghost.api.routing import api_router
from imghost.errors import Forbidden, Unauthorized
from imghost.runtime import get_runtime
from imghost.services.secret_compare import same_secret

log = logging.getLogger("imghost.metrics")
# The *_created series double the output and no dashboard reads them.
disable_created_metrics()

REQUESTS = Counter("imghost_http_requests", "HTTP requests by route template and status",
                   ["method", "route", "status"])
LATENCY = Histogram("imghost_http_request_duration_seconds", "Time to answer an HTTP request",
                    ["method", "route"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
DEPENDENCY_ERRORS = Counter("imghost_dependency_errors",
                            "Requests that met an unreachable database or storage", ["dependency"])

for dependency in ("database", "storage"):
    DEPENDENCY_ERRORS.labels(dependency)  # export zeros, so alerts need no `absent()`


class StoredDataCollector:
    """Users, images and bytes stored, read from the database at scrape time: the
    same numbers whichever worker answers."""

    def describe(self):
        return []  # no names up front: registering must not query the database

    def collect(self):
        from imghost.services.accounts import stored_totals

        try:
            users, images, stored = get_runtime().call(stored_totals)
        except Exception as error:  # a scrape during an outage still returns the rest
            log.warning("metrics: database unavailable (%s)", error.__class__.__name__)
            return
        yield GaugeMetricFamily("imghost_users", "Registered users", value=users)
        yield GaugeMetricFamily("imghost_images", "Images stored", value=images)
        yield GaugeMetricFamily("imghost_stored_bytes", "Bytes of original images stored",
                                value=stored)


STORED_DATA = StoredDataCollector()
REGISTRY.register(STORED_DATA)


def _registry() -> CollectorRegistry:
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    registry.register(STORED_DATA)
    return registry


router = api_router(tags=["health"])


@router.get("/api/metrics", response_class=Response,
            responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format"}})
def metrics(request: Request, ip: ClientIp) -> Response:
    settings = get_runtime().settings
    if settings.metrics_token:
        sent = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if not same_secret(sent, settings.metrics_token):
            raise Unauthorized("Send 'Authorization: Bearer <IMGHOST_METRICS_TOKEN>'.",
                               code="metrics_token_required")
    elif not settings.metrics_public and not is_loopback(ip):
        # Counts of users, images and failed logins are the operator's business.
        raise Forbidden("Metrics are served to this host only; set IMGHOST_METRICS_TOKEN "
                        "to scrape them from elsewhere.", code="metrics_forbidden")
    return Response(generate_latest(_registry()), media_type=CONTENT_TYPE_LATEST)


def is_loopback(address: str) -> bool:
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:  # "unknown", a test client's made-up name
        return False
    mapped = getattr(parsed, "ipv4_mapped", None)
    return (mapped or parsed).is_loopback


# The labelled children by (method, route, status): `.labels()` locks and builds a
# key per call. Routes are templates, so the set stays as small as the series are.
_children: dict[tuple[str, str, int], tuple] = {}


def record_request(method: str, route: str, status: int, seconds: float) -> None:
    key = (method, route, status)
    children = _children.get(key)
    if children is None:
        children = _children[key] = (REQUESTS.labels(method, route, str(status)),
                                     LATENCY.labels(method, route))
    children[0].inc()
    children[1].observe(seconds)


def record_dependency_errors(status: int, code: str | None, body: dict | None) -> None:
    """Requests that met an outage (the actions count what users did: services/metrics.py)."""
    if status == 503:
        if code == "database_unavailable" or (body or {}).get("database") == "unavailable":
            DEPENDENCY_ERRORS.labels("database").inc()
        if code == "storage_unavailable" or (body or {}).get("storage") == "unavailable":
            DEPENDENCY_ERRORS.labels("storage").inc()
