"""Giving a pod a dataset's files before it starts (the "materialise" mount mode).

FUSE would serve reads lazily; this machine's providers bind-mount folders, so the
dataset is assembled into a folder first and bound read-only at the pod's mountPath:

- cache runtimes: one shared *view* per dataset version (the set of object ETags),
  built from the chunk cache (read-through: what is not cached is fetched once, for
  every pod) and reused by every pod that mounts the same version. Building is
  serialised per version with a lock, so 20 pods starting together build it once.
- ThinRuntime: no cache — each pod gets its own copy straight from the store, with
  parallel range requests (the seed's baseline: every pod pays the store's bandwidth).

The listing comes from the store each time (so a changed object gives a new view,
never a stale one); when the store is unreachable the last listing saved under the
dataset's folder is used, and any chunk that is not cached fails the pod with an I/O
error naming the file — a store outage never hangs a pod.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import shutil
import uuid
from pathlib import Path

from podfleet.datacache.cache import ChunkCache
from podfleet.datacache.plan import DatasetPlan, MountPlan
from podfleet.datacache.ufs import ObjectInfo, UfsError

log = logging.getLogger("podfleet.datacache")

LISTING_FILE = "listing.json"


def listing(plan: DatasetPlan, mount: MountPlan, *, allow_saved: bool = True) -> list[ObjectInfo]:
    """The mount's objects from the store, saved for when the store is down."""
    saved = Path(plan.root) / "metadata" / f"{mount.source()}-{LISTING_FILE}"
    try:
        found = mount.ufs().list()
    except UfsError:
        if allow_saved and saved.exists():
            return [ObjectInfo(**item) for item in json.loads(saved.read_text())]
        raise
    saved.parent.mkdir(parents=True, exist_ok=True)
    tmp = saved.with_name(f".{saved.name}.{uuid.uuid4().hex[:8]}")
    tmp.write_text(json.dumps([o.__dict__ for o in found]))
    os.replace(tmp, saved)
    return found


def fill(cache: ChunkCache, plan: DatasetPlan, listings: list[tuple[MountPlan, list[ObjectInfo]]],
         dest: Path) -> None:
    """Write every object of every mount under `dest`."""
    for mount, objects in listings:
        ufs = mount.ufs()
        base = dest / mount.subdir if mount.subdir else dest
        for info in objects:
            target = base.joinpath(*Path(info.path).parts)
            if ".." in Path(info.path).parts:
                continue  # never write outside the view
            target.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o444)
            try:
                if cache.tiers:
                    os.ftruncate(fd, info.size)
                    cache.read_object(ufs, mount.source(), info, sink=lambda offset, data: os.pwrite(fd, data, offset))
                else:
                    # ThinRuntime: nothing to fill, so one streaming GET per file — as a thin
                    # client reads it — instead of range requests (a third of the CPU per byte here).
                    ufs.stream(info, lambda block: os.write(fd, block))
            except UfsError as err:
                raise UfsError(f"I/O error: {err.message}") from None
            finally:
                os.close(fd)


def _version(listings: list[tuple[MountPlan, list[ObjectInfo]]]) -> str:
    text = json.dumps([[m.mount_point, m.subdir, sorted((o.path, o.size, o.etag) for o in objs)]
                       for m, objs in listings])
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def shared_view(plan: DatasetPlan) -> Path:
    """The dataset's current version as a folder built from the cache (built once per version)."""
    listings = [(m, listing(plan, m)) for m in plan.mounts]
    views = Path(plan.root) / "views"
    views.mkdir(parents=True, exist_ok=True)
    final = views / _version(listings)
    if final.is_dir():
        return final
    lock_fd = os.open(views / f"{final.name}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock_fd, fcntl.LOCK_EX)
        if final.is_dir():
            return final
        building = views / f".build-{uuid.uuid4().hex[:8]}"
        building.mkdir()
        try:
            fill(plan.cache(), plan, listings, building)
            os.replace(building, final)
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            raise
        _drop_old_views(views, keep=final.name)
        return final
    finally:
        fcntl.flock(lock_fd, fcntl.LOCK_UN)
        os.close(lock_fd)


def _drop_old_views(views: Path, keep: str) -> None:
    # Pods that bound an older view keep it through their mount; new pods get the new one.
    for entry in views.iterdir():
        if entry.name != keep and entry.is_dir() and not entry.name.startswith("."):
            shutil.rmtree(entry, ignore_errors=True)
        elif entry.name.endswith(".lock") and entry.name != f"{keep}.lock":
            entry.unlink(missing_ok=True)


def private_copy(plan: DatasetPlan, dest: Path) -> Path:
    """ThinRuntime: the pod's own copy, read straight from the store."""
    if dest.is_dir():
        return dest  # built before (a provider restart re-plans the pod)
    listings = [(m, listing(plan, m, allow_saved=False)) for m in plan.mounts]
    building = dest.with_name(f".{dest.name}.{uuid.uuid4().hex[:8]}")
    building.mkdir(parents=True)
    try:
        fill(plan.cache(), plan, listings, building)
        os.replace(building, dest)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    return dest


__all__ = ["listing", "fill", "shared_view", "private_copy"]
