"""Status like Fluid's, and DataLoads run to the end.

One pass: every runtime is Ready when its Dataset exists (else NotReady, saying so);
every Dataset is Bound when its runtime exists and its mounts can be served (Secrets
found), with UFS TOTAL SIZE from a listing of the store and CACHED from the cache's
tiers; every DataLoad goes Pending → Executing → Complete | Failed (with the reason),
its progress written while it runs. A DataLoad is run by whoever holds its lease, so
several workers never load the same one; a worker that died leaves the lease to expire
and the next one starts over (chunks already cached are not fetched again).
`policy: Cron` loads run each time `schedule` falls due (not at creation: Fluid makes a CronJob).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from podfleet.cron.schedule import last_due
from podfleet.datacache.fusemount import unmount_orphans
from podfleet.datacache.materialise import listing
from podfleet.datacache.model import CACHE_RUNTIMES, RUNTIME_KINDS, DataLoad, runtime_spec
from podfleet.datacache.mount import mount_mode
from podfleet.datacache.plan import DatasetPlan, find_runtime, plan_dataset, tier_layout
from podfleet.datacache.ufs import ObjectInfo
from podfleet.errors import ConflictError, NotFoundError, PodfleetError

log = logging.getLogger("podfleet.datacache")

LIST_INTERVAL = 10.0
LEASE_TTL = 30.0
PROGRESS_INTERVAL = 0.5
ENGINE_NOTE = ("engine fields (master, worker, fuse, properties …) are accepted and ignored: "
               "podfleet's own chunk cache serves this dataset")


def stamp(when: datetime | None = None) -> str:
    return (when or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_stamp(text: Any) -> datetime | None:
    try:
        return datetime.strptime(str(text), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    except ValueError:
        return None


def human_bytes(size: int | float) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:.2f}{unit}"
        value /= 1024
    return f"{value:.2f}TiB"


def go_duration(seconds: float) -> str:
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return (f"{hours}h" if hours else "") + (f"{minutes}m" if hours or minutes else "") + f"{secs}s"


def condition(kind: str, ok: bool, reason: str, message: str) -> dict[str, Any]:
    return {"type": kind, "status": "True" if ok else "False", "reason": reason, "message": message,
            "lastUpdateTime": stamp(), "lastTransitionTime": stamp()}


@dataclass
class _Load:
    task: asyncio.Task[None]
    done_bytes: list[int] = field(default_factory=lambda: [0])
    total: int = 0
    started: float = field(default_factory=time.time)


class Reconciler:
    """Reconciles the datacache kinds of one store; `pass_once` is one pass."""

    def __init__(self, store: Any, home: Path, holder: str,
                 clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
        self.store = store
        self.clock = clock  # for Cron DataLoads (tests move it)
        self.home = Path(home)
        self.holder = holder
        self._listed: dict[tuple[str, str], tuple[float, list[ObjectInfo], str | None]] = {}
        self._loads: dict[tuple[str, str], _Load] = {}

    async def lookup(self, kind: str, namespace: str, name: str) -> dict[str, Any] | None:
        try:
            return dict(await self.store.get(kind, namespace, name))
        except NotFoundError:
            return None

    async def _save(self, obj: dict[str, Any], status: dict[str, Any]) -> None:
        if obj.get("status") == status:
            return
        try:
            await self.store.update({**obj, "status": status})
        except (ConflictError, NotFoundError):
            pass  # changed or deleted meanwhile: the next pass sees the new version

    # -- one pass ------------------------------------------------------------------------
    async def pass_once(self) -> bool:
        """Returns True while DataLoads are pending or executing."""
        for kind in RUNTIME_KINDS:
            for runtime in await self.store.list(kind, None):
                await self._runtime(runtime)
        datasets = await self.store.list("Dataset", None)
        for dataset in datasets:
            await self._dataset(dataset)
        # A deleted Dataset's FUSE mounts go with it (pods still running keep their bind until they end).
        unmount_orphans(self.home, {(d["metadata"].get("namespace") or "default", d["metadata"]["name"])
                                    for d in datasets})
        busy = False
        for load in await self.store.list("DataLoad", None):
            busy = await self._dataload(load) or busy
        return busy or any(not l.task.done() for l in self._loads.values())

    async def _runtime(self, runtime: dict[str, Any]) -> None:
        meta = runtime["metadata"]
        ns, name = meta.get("namespace") or "default", meta["name"]
        spec = runtime_spec(runtime)
        replicas = spec.replicas or 1
        dataset = await self.lookup("Dataset", ns, name)
        cached = runtime["kind"] in CACHE_RUNTIMES
        levels = spec.tieredstore.levels if spec.tieredstore else []
        status: dict[str, Any] = {
            "valueFile": "", "mountMode": mount_mode(),
            "desiredWorkerNumberScheduled": replicas, "currentWorkerNumberScheduled": replicas if dataset else 0,
            "workerNumberReady": replicas if dataset else 0, "masterNumberReady": 1 if dataset else 0,
            "tiers": [{"mediumtype": t["medium"], "location": t["path"], "quota": t["quota"], "high": t["high"],
                       "low": t["low"]} for t in tier_layout(self.home, ns, name, levels)] if cached else [],
        }
        if cached:
            status["engineNote"] = f"{runtime['kind']}: {ENGINE_NOTE}"
        else:
            status["engineNote"] = "ThinRuntime: no cache, every pod reads the store directly"
        if dataset is None:
            phase = "NotReady"
            status["conditions"] = [condition("Ready", False, "DatasetNotFound",
                                              f'no Dataset "{name}" in namespace "{ns}": a runtime binds to '
                                              "the Dataset of the same name and namespace")]
        else:
            phase = "Ready"
            status["conditions"] = [condition("Ready", True, "Ready", f"{replicas} cache workers ready")]
        status.update(masterPhase=phase, workerPhase=phase, fusePhase=phase)
        old = runtime.get("status") or {}
        if _same(old, status):
            return
        await self._save(runtime, status)

    async def _dataset(self, dataset: dict[str, Any]) -> None:
        meta = dataset["metadata"]
        ns, name = meta.get("namespace") or "default", meta["name"]
        old = dataset.get("status") or {}
        status: dict[str, Any] = {"mountMode": mount_mode()}
        try:
            plan = await plan_dataset(self.lookup, self.home, ns, dataset)
        except PodfleetError as err:
            runtime = await find_runtime(self.lookup, ns, name)
            status.update(phase="NotBound", conditions=[condition(
                "Ready", False, "RuntimeNotFound" if runtime is None else "SetupFailed", err.message)])
            if not _same(old, status):
                await self._save(dataset, status)
            return
        objects, error = await self._listing(plan)
        total = sum(o.size for _, objs in objects for o in objs)
        cache = plan.cache()
        cached = sum(cache.cached_bytes(m.source(), o) for m, objs in objects for o in objs) if plan.cached else 0
        capacity = sum(t["quota"] or 0 for t in plan.tiers) if plan.cached else 0
        status.update(
            phase="Bound", ufsTotal=human_bytes(total), fileNum=str(sum(len(objs) for _, objs in objects)),
            cacheStates={"cacheCapacity": human_bytes(capacity) if plan.cached else "",
                         "cached": human_bytes(cached) if plan.cached else "",
                         "cachedPercentage": f"{100.0 * cached / total:.1f}%" if plan.cached and total else
                         ("0.0%" if plan.cached else "")},
            runtimes=[{"name": name, "namespace": ns, "category": "Accelerate",
                       "type": plan.runtime.removesuffix("Runtime").lower()}],
            conditions=[condition("Ready", error is None, "DatasetReady" if error is None else "UFSUnreachable",
                                  "the runtime is ready" if error is None else error)])
        if not _same(old, status):
            await self._save(dataset, status)

    async def _listing(self, plan: DatasetPlan, *, fresh: bool = False) -> tuple[list[tuple[Any, list[ObjectInfo]]], str | None]:
        key = (plan.namespace, plan.name)
        now = time.monotonic()
        known = self._listed.get(key)
        if known is not None and not fresh and now - known[0] < LIST_INTERVAL:
            return known[1], known[2]  # type: ignore[return-value]
        error = None
        try:
            found = await asyncio.to_thread(lambda: [(m, listing(plan, m)) for m in plan.mounts])
        except PodfleetError as err:
            error = err.message
            found = known[1] if known is not None else [(m, []) for m in plan.mounts]  # type: ignore[assignment]
        self._listed[key] = (now, found, error)  # type: ignore[assignment]
        return found, error  # type: ignore[return-value]

    # -- DataLoad ------------------------------------------------------------------------
    async def _dataload(self, obj: dict[str, Any]) -> bool:
        meta = obj["metadata"]
        ns, name = meta.get("namespace") or "default", meta["name"]
        key = (ns, name)
        load = DataLoad.model_validate(obj)
        status = dict(obj.get("status") or {})
        phase = status.get("phase") or "Pending"
        running = self._loads.get(key)
        if running is not None:
            if not running.task.done():
                await self.store.acquire_lease(_lease(ns, name), self.holder, LEASE_TTL)
                done = running.done_bytes[0]
                status["progress"] = f"{100.0 * done / running.total:.1f}%" if running.total else "0.0%"
                status["duration"] = go_duration(time.time() - running.started)
                await self._save(obj, status)
                return True
            self._loads.pop(key)
            return False
        scheduled: str | None = None
        if load.spec.policy == "Cron" and load.spec.schedule:
            # A CronJob in Fluid: nothing runs before the schedule first falls due, then
            # once per due time; a run missed while no worker ran happens once, late.
            after = parse_stamp(status.get("lastScheduleTime")) or parse_stamp(meta.get("creationTimestamp"))
            now = self.clock()
            try:
                due = last_due(load.spec.schedule, after=after or now, now=now)
            except PodfleetError as err:  # apply refuses these; an object stored otherwise fails once
                if not any(c.get("reason") == "InvalidSchedule" for c in status.get("conditions") or ()):
                    await self._fail(obj, status, "InvalidSchedule", err.message)
                return False
            if due is None and phase != "Executing":
                return False  # waiting for the schedule (an Executing load lost its worker: resume it)
            scheduled = stamp(due) if due is not None else status.get("lastScheduleTime")
        elif phase in ("Complete", "Failed"):
            return False
        if load.spec.dataset.namespace and load.spec.dataset.namespace != ns:
            await self._fail(obj, status, "DatasetNotInNamespace",
                             f"the dataset must be in the DataLoad's namespace {ns!r}")
            return False
        dataset = await self.lookup("Dataset", ns, load.spec.dataset.name)
        if dataset is None:
            await self._save(obj, {**status, "phase": "Pending", "conditions": [condition(
                "Ready", False, "DatasetNotFound", f'no Dataset "{load.spec.dataset.name}" in namespace "{ns}"')]})
            return True
        try:
            plan = await plan_dataset(self.lookup, self.home, ns, dataset)
        except PodfleetError as err:
            await self._save(obj, {**status, "phase": "Pending", "conditions": [condition(
                "Ready", False, "DatasetNotBound", err.message)]})
            return True
        if not await self.store.acquire_lease(_lease(ns, name), self.holder, LEASE_TTL):
            return True  # another worker runs it
        started = time.time()
        status = {**status, "phase": "Executing", "progress": "0.0%", "duration": "0s", "conditions": [],
                  "startTime": stamp()}
        if scheduled is not None:
            status["lastScheduleTime"] = scheduled
        status.pop("completionTime", None)
        await self._save(obj, status)
        run = _Load(task=asyncio.ensure_future(asyncio.sleep(0)), started=started)
        run.task = asyncio.create_task(self._run_load(ns, name, plan, load, run))
        self._loads[key] = run
        return True

    async def _run_load(self, ns: str, name: str, plan: DatasetPlan, load: DataLoad, run: _Load) -> None:
        try:
            await asyncio.to_thread(self._load_blocking, plan, load, run)
        except PodfleetError as err:
            failure: tuple[str, str] | None = ("DataLoadFailed", err.message)
        except OSError as err:
            failure = ("DataLoadFailed", f"I/O error: {err}")
        else:
            failure = None
        finally:
            self._listed.pop((ns, name), None)
        obj = await self.lookup("DataLoad", ns, name)
        if obj is None:
            return
        status = dict(obj.get("status") or {})
        status["duration"] = go_duration(time.time() - run.started)
        status["completionTime"] = stamp()
        if failure is None:
            status.update(phase="Complete", progress="100.0%",
                          conditions=[condition("Complete", True, "DataLoadComplete",
                                                f"{human_bytes(run.total)} loaded into the cache")])
            status["lastSuccessfulTime"] = stamp()
            await self._save(obj, status)
        else:
            await self._fail(obj, status, *failure)
        await self.store.release_lease(_lease(ns, name), self.holder)

    async def _fail(self, obj: dict[str, Any], status: dict[str, Any], reason: str, message: str) -> None:
        await self._save(obj, {**status, "phase": "Failed", "conditions": [condition("Failed", True, reason, message)]})

    @staticmethod
    def _load_blocking(plan: DatasetPlan, load: DataLoad, run: _Load) -> None:
        targets = [t.path.strip("/") for t in load.spec.target or ()] or [""]
        work: list[tuple[Any, ObjectInfo]] = []
        for mount in plan.mounts:
            for info in listing(plan, mount, allow_saved=False):
                where = "/".join(p for p in (mount.subdir, info.path) if p)
                if any(not t or where == t or where.startswith(t + "/") for t in targets):
                    work.append((mount, info))
        run.total = sum(info.size for _, info in work)
        if not plan.cached:
            return  # ThinRuntime has no cache to warm: the load only syncs metadata
        cache = plan.cache()
        lock = __import__("threading").Lock()

        def progress(n: int) -> None:
            with lock:
                run.done_bytes[0] += n

        for mount, info in work:
            cache.read_object(mount.ufs(), mount.source(), info, progress=progress)
        cache.enforce()


def _lease(ns: str, name: str) -> str:
    return f"datacache/dataload/{ns}/{name}"


def _same(old: dict[str, Any], new: dict[str, Any]) -> bool:
    """Equal but for condition timestamps (so an unchanged object is not rewritten)."""
    def strip(status: dict[str, Any]) -> dict[str, Any]:
        out = dict(status)
        out["conditions"] = [{k: v for k, v in c.items() if not k.startswith("last")}
                             for c in status.get("conditions") or ()]
        return out
    return strip(old) == strip(new)


async def run(store: Any, home: Path, holder: str, *, until_idle: bool, interval: float = PROGRESS_INTERVAL,
              idle_grace: float = 2.0) -> None:
    """Reconcile until idle (no DataLoad pending or executing for `idle_grace` s), or forever."""
    reconciler = Reconciler(store, home, holder)
    idle_since: float | None = None
    while True:
        try:
            busy = await reconciler.pass_once()
        except PodfleetError as err:
            log.warning("datacache reconcile failed: %s", err.message)
            busy = True
        if busy:
            idle_since = None
        elif idle_since is None:
            idle_since = time.monotonic()
        if until_idle and idle_since is not None and time.monotonic() - idle_since >= idle_grace:
            return
        await asyncio.sleep(interval)


__all__ = ["Reconciler", "run", "human_bytes", "go_duration", "ENGINE_NOTE"]
