"""Prometheus metrics and GET /api/metrics.

Request metrics are labelled by route *template* (`/api/images/{image_id}`), never by
raw path, so a scan of random URLs cannot blow up the number of series. With several
worker processes set PROMETHEUS_MULTIPROC_DIR (an empty directory, cleared before
start) and every worker's counts are summed on each scrape.
"""

from __future__ import annotations

import hmac
import logging
import os

from fastapi import APIRouter, Request, Response
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
from sqlalchemy import func
from sqlmodel import select

from imghost.errors import Unauthorized
from imghost.settings import get_settings

log = logging.getLogger("imghost.metrics")
# The *_created series double the output and no dashboard reads them.
disable_created_metrics()

REQUESTS = Counter("imghost_http_requests", "HTTP requests by route template and status",
                   ["method", "route", "status"])
LATENCY = Histogram("imghost_http_request_duration_seconds", "Time to answer an HTTP request",
                    ["method", "route"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
UPLOADS_CONFIRMED = Counter("imghost_uploads_confirmed", "Uploads confirmed into images")
UPLOADS_REFUSED = Counter("imghost_uploads_refused", "Confirms refused, by error code", ["reason"])
DEPENDENCY_ERRORS = Counter("imghost_dependency_errors",
                            "Requests that met an unreachable database or storage", ["dependency"])

SWEPT = Counter("imghost_swept_uploads", "Expired unconfirmed uploads removed by the periodic sweep")
SWEEP_FAILURES = Counter("imghost_sweep_failures", "Periodic sweeps or object deletes that failed")

for dependency in ("database", "storage"):
    DEPENDENCY_ERRORS.labels(dependency)  # export zeros, so alerts need no `absent()`


class StoredDataCollector:
    """Users, images and bytes stored, read from the database at scrape time: the
    same numbers whichever worker answers."""

    def describe(self):
        return []  # no names up front: registering must not query the database

    def collect(self):
        from imghost.db import session_scope
        from imghost.models import User

        try:
            with session_scope() as session:
                users, images, stored = session.exec(select(
                    func.count(User.id), func.coalesce(func.sum(User.image_count), 0),
                    func.coalesce(func.sum(User.bytes_stored), 0))).one()
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


router = APIRouter(tags=["health"])


@router.get("/api/metrics", response_class=Response,
            responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format"}})
def metrics(request: Request) -> Response:
    token = get_settings().metrics_token
    if token:
        sent = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(sent.encode(), token.encode()):
            raise Unauthorized("Send 'Authorization: Bearer <IMGHOST_METRICS_TOKEN>'.",
                               code="metrics_token_required")
    return Response(generate_latest(_registry()), media_type=CONTENT_TYPE_LATEST)


def record_request(method: str, route: str, status: int, seconds: float) -> None:
    REQUESTS.labels(method, route, str(status)).inc()
    LATENCY.labels(method, route).observe(seconds)


def record_outcome(route: str, status: int, code: str | None, body: dict | None) -> None:
    """Domain counters from what the API answered (the services stay unaware of metrics)."""
    if route == "/api/images/confirm":
        if status == 201:
            UPLOADS_CONFIRMED.inc()
        elif 400 <= status < 500 and code not in (None, "not_authenticated", "invalid_token",
                                                   "token_expired", "rate_limited"):
            UPLOADS_REFUSED.labels(code).inc()
    if status == 503:
        if code == "database_unavailable" or (body or {}).get("database") == "unavailable":
            DEPENDENCY_ERRORS.labels("database").inc()
        if code == "storage_unavailable" or (body or {}).get("storage") == "unavailable":
            DEPENDENCY_ERRORS.labels("storage").inc()
