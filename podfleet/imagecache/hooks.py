"""The image cache as the container provider sees it, kept in the store.

- `match`: a pod whose images are all in a Ready cache uses it (the pod records the
  cache id); IfNotPresent then never pulls those images.
- `pulled`: a pod that had to pull leaves an auto-created cache behind, as ECI does
  by default (`auto-create-for-…`, expiring after `AUTO_RETENTION_DAYS` unused).
- `reconcile`: pre-pulls what `podfleet apply -f imagecache.yaml` declared, moving
  each cache Preparing → Creating → Ready | Failed, and deletes expired caches.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from podfleet.errors import ConflictError, NotFoundError, PodfleetError
from podfleet.imagecache.model import API_VERSION, AUTO_ANNOTATION, AUTO_RETENTION_DAYS, KIND, cache_id

log = logging.getLogger("podfleet.imagecache")

RECONCILE_INTERVAL = 2.0


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _stamp(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    except ValueError:
        return None


def expired(cache: dict[str, Any], now: datetime) -> bool:
    """Past its retention: counted from the last match (or creation) for auto caches, from creation otherwise."""
    days = (cache.get("spec") or {}).get("retentionDays")
    if not days:
        return False
    status = cache.get("status") or {}
    meta = cache.get("metadata") or {}
    auto = (meta.get("annotations") or {}).get(AUTO_ANNOTATION) == "true"
    since = _parse(status.get("lastMatchedTime")) if auto else None
    since = since or _parse(meta.get("creationTimestamp")) or _parse(status.get("startTime"))
    return since is not None and now - since > timedelta(days=int(days))


class StoreCacheHooks:
    """`CacheHooks` for the container provider over a store (opened lazily by `store()`)."""

    def __init__(self, store: Callable[[], Any], *, auto_create: bool = True) -> None:
        self._store = store
        self.auto_create = auto_create

    async def _caches(self) -> list[dict[str, Any]]:
        return list(await self._store().list(KIND, None))

    async def match(self, namespace: str, images: list[str]) -> str | None:
        wanted = set(images)
        best: dict[str, Any] | None = None
        for cache in await self._caches():
            status = cache.get("status") or {}
            have = set(status.get("images") or (cache.get("spec") or {}).get("images") or ())
            if status.get("phase") != "Ready" or not wanted <= have:
                continue
            # ECI ranks by match degree then newest; every candidate matches fully here.
            if best is None or len(have) < len(set((best.get("status") or {}).get("images") or ())):
                best = cache
        if best is None:
            return None
        await self._touch(best)
        return str((best.get("status") or {}).get("imageCacheId") or cache_id(best["metadata"]["name"]))

    async def _touch(self, cache: dict[str, Any]) -> None:
        """Record the match (it extends an auto cache's life); losing a race here is harmless."""
        status = dict(cache.get("status") or {})
        now = _stamp(_now())
        if status.get("lastMatchedTime") == now:
            return
        status["lastMatchedTime"] = now
        try:
            await self._store().update({**cache, "status": status})
        except (ConflictError, NotFoundError):
            pass

    async def pulled(self, namespace: str, images: list[str]) -> None:
        if not self.auto_create or not images:
            return
        key = hashlib.sha256("\n".join(sorted(images)).encode()).hexdigest()[:12]
        name = f"auto-create-for-{key}"
        now = _stamp(_now())
        obj = {
            "apiVersion": API_VERSION, "kind": KIND,
            "metadata": {"name": name, "annotations": {AUTO_ANNOTATION: "true"}},
            "spec": {"images": sorted(images), "retentionDays": AUTO_RETENTION_DAYS},
            "status": {"phase": "Ready", "imageCacheId": cache_id(name), "progress": "100%",
                       "images": sorted(images), "startTime": now, "lastUpdatedTime": now, "lastMatchedTime": now},
        }
        try:
            await self._store().create(obj)
        except ConflictError:
            pass  # another pod of the same images made it first

    async def reconcile(self, puller: Any, lookup: Callable[[str, str, str], Any] | None = None) -> None:
        """One pass over every cache: pull for the new ones, delete the expired ones."""
        now = _now()
        for cache in await self._caches():
            meta = cache["metadata"]
            if expired(cache, now):
                try:
                    await self._store().delete(KIND, meta.get("namespace") or "", meta["name"])
                    log.info("image cache %s expired and was deleted", meta["name"])
                except NotFoundError:
                    pass
                continue
            phase = (cache.get("status") or {}).get("phase")
            if phase in ("Ready", "Failed"):
                continue
            await self._build(cache, puller, lookup)

    async def _build(self, cache: dict[str, Any], puller: Any, lookup: Any) -> None:
        from podfleet.providers.container.pulls import PullError, auth_for, dockerconfig_of

        name = cache["metadata"]["name"]
        images = list((cache.get("spec") or {}).get("images") or ())
        status = {"phase": "Creating", "imageCacheId": cache_id(name), "progress": "0%",
                  "startTime": _stamp(_now()), "lastUpdatedTime": _stamp(_now()), "events": []}
        cache = await self._save(cache, status)
        if cache is None:
            return
        configs = []
        for ref in (cache.get("spec") or {}).get("imagePullSecrets") or ():
            ns, _, secret_name = str(ref).rpartition(":")
            secret = await lookup("Secret", ns or "default", secret_name) if lookup else None
            if secret is not None and (config := dockerconfig_of(secret)) is not None:
                configs.append(config)
        size = 0
        try:
            for done, image in enumerate(images, 1):
                await puller.pull(image, auth_for(image, configs))
                info = await puller.api.call(puller.api.client.inspect_image, image)
                size += int(info.get("Size") or 0)
                status["progress"] = f"{100 * done // max(len(images), 1)}%"
        except (PullError, PodfleetError) as err:
            status.update(phase="Failed", reason="ErrImagePull", lastUpdatedTime=_stamp(_now()),
                          events=[{"type": "Warning", "reason": "ErrImagePull", "message": err.message}],
                          expireDateTime=_stamp(_now() + timedelta(hours=24)))
            await self._save(cache, status)
            return
        status.update(phase="Ready", progress="100%", images=images, imageCacheSize=size,
                      lastUpdatedTime=_stamp(_now()),
                      events=[{"type": "Normal", "reason": "Created", "message": f"{len(images)} images cached"}])
        days = (cache.get("spec") or {}).get("retentionDays")
        if days:
            status["expireDateTime"] = _stamp(_now() + timedelta(days=int(days)))
        await self._save(cache, status)

    async def _save(self, cache: dict[str, Any], status: dict[str, Any]) -> dict[str, Any] | None:
        try:
            return dict(await self._store().update({**cache, "status": status}))
        except (ConflictError, NotFoundError):
            return None  # changed or deleted meanwhile: the next pass sees the new version

    async def run(self, puller: Any, lookup: Any = None, interval: float = RECONCILE_INTERVAL) -> None:
        """Reconcile forever (the provider runs this as a background task)."""
        while True:
            try:
                await self.reconcile(puller, lookup)
            except PodfleetError as err:
                log.warning("image cache reconcile failed: %s", err.message)
            await asyncio.sleep(interval)


__all__ = ["StoreCacheHooks", "expired", "RECONCILE_INTERVAL"]
