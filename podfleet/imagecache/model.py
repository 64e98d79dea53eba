"""ImageCache (`eci.alibabacloud.com/v1`), as Elastic Container Instance defines it.

Cluster-scoped. `spec.images` are pre-pulled and pinned; `imagePullSecrets` name
Secrets as `namespace:name`; `retentionDays` expires the cache (never by default for
manual caches; auto-created ones expire when unused, as ECI's do). Status: `phase`
Preparing / Creating / Ready / Failed, `imageCacheId`, `progress`, `images` and their
total `imageCacheSize` in bytes (ECI reports GiB of its disk; a local engine knows bytes).
"""

from __future__ import annotations

import hashlib
from typing import Any

from podfleet.resources.base import ArgoModel, Int, Str
from podfleet.resources.kinds import Resource, register

API_VERSION = "eci.alibabacloud.com/v1"
KIND = "ImageCache"
AUTO_ANNOTATION = "podfleet.io/auto-created"
AUTO_RETENTION_DAYS = 7
PHASES = ("Preparing", "Creating", "Ready", "Failed")


class ImageCacheSpec(ArgoModel):
    images: list[Str]
    image_pull_secrets: list[Str] | None = None
    image_cache_size: Int | None = None
    retention_days: Int | None = None


class ImageCacheStatus(ArgoModel):
    phase: Str | None = None
    image_cache_id: Str | None = None
    progress: Str | None = None
    images: list[Str] | None = None
    image_cache_size: Int | None = None
    start_time: Str | None = None
    last_updated_time: Str | None = None
    last_matched_time: Str | None = None
    expire_date_time: Str | None = None
    reason: Str | None = None
    events: list[dict[str, Any]] | None = None


@register
class ImageCache(Resource):
    api_version: Str = API_VERSION
    kind: Str = KIND
    spec: ImageCacheSpec
    status: ImageCacheStatus | None = None


def cache_id(name: str) -> str:
    """A stable ECI-style id (`imc-…`) derived from the cache's name."""
    return "imc-" + hashlib.sha256(name.encode()).hexdigest()[:20]


__all__ = ["ImageCache", "ImageCacheSpec", "ImageCacheStatus", "API_VERSION", "KIND", "AUTO_ANNOTATION",
           "AUTO_RETENTION_DAYS", "PHASES", "cache_id"]
