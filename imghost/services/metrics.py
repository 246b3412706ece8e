"""What the actions count, whichever door (API, UI, CLI) they were called through.

One Metrics object per process counts into Prometheus' default registry (served by
GET /api/metrics); tests give each runtime a registry of its own and read it back.
"""

from __future__ import annotations

from prometheus_client import REGISTRY, CollectorRegistry, Counter


class Metrics:
    def __init__(self, registry: CollectorRegistry = REGISTRY):
        def counter(name: str, documentation: str, labels: tuple[str, ...] = ()) -> Counter:
            return Counter(name, documentation, labels, registry=registry)

        self.registry = registry
        self._sign_ups = counter("imghost_sign_ups", "Accounts created")
        self._logins = counter("imghost_logins", "Login attempts by outcome", ("outcome",))
        self._confirmed = counter("imghost_uploads_confirmed", "Uploads confirmed into images")
        self._refused = counter("imghost_uploads_refused", "Confirms refused, by error code",
                                ("reason",))
        self._deleted = counter("imghost_images_deleted", "Images deleted by their owners")
        self._expired = counter("imghost_images_expired",
                                "Expired images deleted by the sweep")
        self._swept = counter("imghost_swept_uploads",
                              "Expired unconfirmed uploads removed by the sweep")
        self._sweep_failures = counter("imghost_sweep_failures",
                                       "Sweeps or object deletes that failed")
        self._thumbnails = counter("imghost_thumbnails_made", "Images whose thumbnails were made")
        self._thumbnail_failures = counter(
            "imghost_thumbnail_failures",
            "Thumbnail jobs that failed, by what follows (retry or given_up)", ("then",))
        self._reconciled = counter("imghost_reconciled_objects",
                                   "Stored objects with no image and no grant, deleted")
        for outcome in ("ok", "failed"):
            self._logins.labels(outcome)  # export zeros, so alerts need no `absent()`
        for then in ("retry", "given_up"):
            self._thumbnail_failures.labels(then)

    def signed_up(self) -> None:
        self._sign_ups.inc()

    def logged_in(self, ok: bool) -> None:
        self._logins.labels("ok" if ok else "failed").inc()

    def upload_confirmed(self) -> None:
        self._confirmed.inc()

    def upload_refused(self, reason: str) -> None:
        self._refused.labels(reason).inc()

    def image_deleted(self, count: int = 1) -> None:
        self._deleted.inc(count)

    def images_expired(self, count: int) -> None:
        self._expired.inc(count)

    def swept(self, uploads: int) -> None:
        self._swept.inc(uploads)

    def sweep_failed(self, count: int = 1) -> None:
        self._sweep_failures.inc(count)

    def thumbnails_made(self) -> None:
        self._thumbnails.inc()

    def thumbnail_failed(self, then: str) -> None:
        self._thumbnail_failures.labels(then).inc()

    def reconciled(self, objects: int) -> None:
        self._reconciled.inc(objects)

    def value(self, name: str, **labels: str) -> float:
        """A counter's current value (tests, the CLI); 0 when never counted."""
        return self.registry.get_sample_value(f"{name}_total", labels or None) or 0.0
