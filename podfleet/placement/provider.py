"""PlacementProvider: the elastic layer, as a Provider wrapping the zones' real providers.

The controller hands it every Pod, exactly as it would hand them to a provider. For each
pod it reads the ECI annotations, asks the Scheduler for a zone and spec, writes the
spec into the pod (limits + `eci-instance-spec` + zone) and forwards it to the zone's
provider; when no zone has room it either keeps the pod Pending in the queue
(fail-back/fail-over, until `eci-max-pending-minute`) or fails it at once
(fail-fast: reason `ContainerInstanceScheduleFailed`, message `ProviderFailed: … NoStock`).
Queued and failed pods never reach a real provider, so their PodStatus events are
emitted here; everything else is the inner providers' events, forwarded with the pod's
cost added once it completed. Capacity is released when a pod completes or is deleted,
and the queue is drained then.

The fleet is loaded lazily (first async call) because loading reads the store.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

from podfleet.errors import NotFoundError, PodfleetError
from podfleet.placement.fleet import Fleet
from podfleet.placement.intent import BILLED_SECONDS, COST, INSTANCE_SPEC, ZONE, Intent, read_intent
from podfleet.placement.billing import price_per_second
from podfleet.placement.records import Records
from podfleet.placement.rewrite import apply_placement, charge_of, template_name, with_cost
from podfleet.placement.scheduler import Key, Placement, Scheduler, Shortage
from podfleet.providers.contract import PodPhase, PodStatus, Provider
from podfleet.providers.events import PodEvents, copy_status
from podfleet.resources.pod import Pod

log = logging.getLogger("podfleet.placement")

SCHEDULE_FAILED = "ContainerInstanceScheduleFailed"
WAITING = "ContainerInstanceScheduling"
_SNAPSHOT_EVERY = 0.5


class PlacementProvider:
    def __init__(self, open_inner: Callable[[str], Provider], fleet: Fleet | Callable[[], Awaitable[Fleet]], *,
                 home: Path | None = None, rng: random.Random | None = None) -> None:
        self.name = "placement"
        self._open_inner = open_inner
        self._fleet_source = fleet
        self._rng = rng
        self.records = Records(home) if home is not None else None
        self.fleet: Fleet | None = None
        self.scheduler: Scheduler | None = None
        self._inners: dict[str, Provider] = {}
        self._where: dict[Key, str] = {}            # pod → name of the inner provider running it
        self._own: dict[Key, PodStatus] = {}        # queued or failed-here pods
        self._records: dict[Key, dict[str, Any]] = {}
        self._events = PodEvents()
        self._tasks: list[asyncio.Task[Any]] = []
        self._ready_lock: asyncio.Lock | None = None
        self._wake_expiry: asyncio.Event | None = None
        self._snapshot_due = False
        self._closed = False

    # -- start-up -------------------------------------------------------------------------
    async def ready(self) -> Scheduler:
        if self.scheduler is not None:
            return self.scheduler
        if self._ready_lock is None:
            self._ready_lock = asyncio.Lock()
        async with self._ready_lock:
            if self.scheduler is not None:
                return self.scheduler
            fleet = self._fleet_source if isinstance(self._fleet_source, Fleet) else await self._fleet_source()
            scheduler = Scheduler(fleet, self._rng)
            for zone in fleet.zones:
                if zone.provider not in self._inners:
                    self._inners[zone.provider] = self._open_inner(zone.provider)
            for pname, inner in self._inners.items():
                for status in await inner.list_pods():
                    self._adopt(scheduler, fleet, pname, status)
            self._wake_expiry = asyncio.Event()
            for pname, inner in self._inners.items():
                # Subscribe now, not when the task first runs: a pod forwarded before then
                # must not have its events (above all its completion) missed.
                events = inner.events()
                self._tasks.append(asyncio.create_task(self._pump(events), name=f"placement-events/{pname}"))
            self._tasks.append(asyncio.create_task(self._expire_loop(), name="placement-expiry"))
            self._tasks.append(asyncio.create_task(self._snapshot_loop(), name="placement-snapshot"))
            self.fleet, self.scheduler = fleet, scheduler
            self._snapshot_due = True
            return scheduler

    def _adopt(self, scheduler: Scheduler, fleet: Fleet, pname: str, status: PodStatus) -> None:
        """Rebuild the fleet's use from a pod a previous controller placed."""
        key = (status.namespace, status.name)
        self._where[key] = pname
        if status.phase.completed:
            return
        zone, spec_name, charge = status.annotations.get(ZONE), status.annotations.get(INSTANCE_SPEC), \
            charge_of(status.annotations)
        if not zone or not spec_name or charge is None:
            return
        try:
            spec = fleet.table.parse_token(spec_name)
        except PodfleetError:
            return
        scheduler.occupy(key, Placement(zone, spec, charge))

    # -- contract ---------------------------------------------------------------------------
    async def create_pod(self, pod: Pod) -> None:
        scheduler = await self.ready()
        assert self.fleet is not None
        key = (pod.namespace, pod.name)
        if key in self._where or key in self._own or key in scheduler.placed:
            return  # idempotent: known already
        manifest = pod.dump()
        now = time.time()
        record: dict[str, Any] = {"pod": manifest, "phase": "Pending", "queuedAt": now,
                                  "template": template_name(manifest["metadata"].get("annotations") or {}),
                                  "currency": self.fleet.prices.currency}
        self._records[key] = record
        try:
            intent = read_intent(manifest, self.fleet.table, self.fleet.eci_namespaces)
        except PodfleetError as err:
            self._fail(key, manifest, "InvalidSpec", f"placement: {err}")
            return
        if intent.fail_fast:
            result = scheduler.try_place(key, intent)
            if isinstance(result, Shortage):
                self._fail(key, manifest, SCHEDULE_FAILED, "ProviderFailed: ContainerGroup.NoStock: Create ECI "
                           f"failed because the specified instance is out of stock: {result.message}")
                return
            await self._forward(key, manifest, intent, result)
            return
        never = scheduler.impossible(intent)
        if never:
            self._fail(key, manifest, SCHEDULE_FAILED, f"ProviderFailed: ContainerGroup.NoStock: {never}")
            return
        scheduler.enqueue(key, intent, manifest, now)
        await self._drain()
        if scheduler.waiting(key):
            why = self._why_waiting(scheduler, intent)
            self._emit(PodStatus(pod.namespace, pod.name, PodPhase.PENDING, reason=WAITING,
                                 message=f"waiting for capacity (fail-back): {why}",
                                 labels=dict(pod.metadata.labels or {}),
                                 annotations=dict(pod.metadata.annotations or {})), own=True)
            if self._wake_expiry is not None:
                self._wake_expiry.set()
        self._snapshot_due = True

    async def delete_pod(self, namespace: str, name: str, grace_period_seconds: float | None = None) -> None:
        scheduler = await self.ready()
        key = (namespace, name)
        if scheduler.remove(key) is not None:
            status = self._own.get(key)
            if status is not None:
                status = copy_status(status)
                status.phase, status.reason, status.message = PodPhase.FAILED, "Deleted", "pod deleted while waiting"
                status.finished_at = time.time()
                self._emit(status, own=False)
            self._own.pop(key, None)
            self._snapshot_due = True
            return
        if self._own.pop(key, None) is not None:
            return
        pname = self._where.pop(key, None)
        targets = [self._inners[pname]] if pname in self._inners else list(self._inners.values())
        for inner in targets:
            await inner.delete_pod(namespace, name, grace_period_seconds)
        if scheduler.release(key) is not None:
            await self._drain()
        self._snapshot_due = True

    async def get_pod_status(self, namespace: str, name: str) -> PodStatus | None:
        await self.ready()
        assert self.fleet is not None
        key = (namespace, name)
        if key in self._own:
            return copy_status(self._own[key])
        pname = self._where.get(key)
        for inner in [self._inners[pname]] if pname in self._inners else self._inners.values():
            status = await inner.get_pod_status(namespace, name)
            if status is not None:
                return with_cost(status, self.fleet)
        return None

    async def list_pods(self) -> list[PodStatus]:
        await self.ready()
        assert self.fleet is not None
        found = [copy_status(s) for s in self._own.values()]
        for inner in self._inners.values():
            found += [with_cost(s, self.fleet) for s in await inner.list_pods()]
        return found

    def logs(self, namespace: str, name: str, container: str = "main", follow: bool = False) -> AsyncIterator[str]:
        return self._logs(namespace, name, container, follow)

    async def _logs(self, namespace: str, name: str, container: str, follow: bool) -> AsyncIterator[str]:
        await self.ready()
        pname = self._where.get((namespace, name))
        inner = self._inners.get(pname) if pname else next(iter(self._inners.values()), None)
        if inner is None:
            raise NotFoundError(f"no logs for pod {namespace}/{name}")
        async for line in inner.logs(namespace, name, container, follow):
            yield line

    def events(self) -> AsyncIterator[PodStatus]:
        return self._events.subscribe()

    async def close(self) -> None:
        self._closed = True
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        self._write_snapshot()
        for inner in self._inners.values():
            await inner.close()
        self._events.close()

    # -- internals ----------------------------------------------------------------------------
    def _why_waiting(self, scheduler: Scheduler, intent: Intent) -> str:
        zones = scheduler.eligible(intent)
        parts = []
        for st in zones[:4]:
            z = st.zone
            pods = f"{st.pods}/{z.pods} pods" if z.pods is not None else f"{st.pods} pods"
            parts.append(f"{z.name}: {pods}, {st.cpu:g}/{z.cpu if z.cpu is not None else '∞'} vCPU in use")
        return f"{len(scheduler)} pod(s) queued; " + "; ".join(parts)

    def _emit(self, status: PodStatus, *, own: bool) -> None:
        key = (status.namespace, status.name)
        if own:
            self._own[key] = status
        self._events.publish(status)
        self._record(status)

    def _fail(self, key: Key, manifest: dict[str, Any], reason: str, message: str) -> None:
        meta = manifest.get("metadata") or {}
        now = time.time()
        self._emit(PodStatus(key[0], key[1], PodPhase.FAILED, reason=reason, message=message, finished_at=now,
                             labels=dict(meta.get("labels") or {}), annotations=dict(meta.get("annotations") or {})),
                   own=True)
        self._snapshot_due = True

    async def _forward(self, key: Key, manifest: dict[str, Any], intent: Intent, placement: Placement) -> None:
        assert self.fleet is not None and self.scheduler is not None
        zone = self.fleet.zone(placement.zone)
        assert zone is not None
        price = price_per_second(placement.spec, self.fleet.prices, intent.spot)
        placed = apply_placement(manifest, placement, price)
        record = self._records.setdefault(key, {"pod": placed, "queuedAt": time.time()})
        record.update({"pod": placed, "placedAt": time.time(), "zone": placement.zone,
                       "spec": placement.spec.name, "pricePerSecond": price})
        self._own.pop(key, None)
        self._where[key] = zone.provider
        try:
            await self._inners[zone.provider].create_pod(Pod.model_validate(placed))
        except (PodfleetError, ValueError) as err:
            self._where.pop(key, None)
            self.scheduler.release(key)
            self._fail(key, placed, "ProviderFailed", f"zone {zone.name}: provider {zone.provider}: {err}")
            return
        self._write_record(key)

    async def _drain(self) -> None:
        assert self.scheduler is not None
        for key, manifest, placement in self.scheduler.drain():
            intent = read_intent(manifest, self.fleet.table, self.fleet.eci_namespaces)  # type: ignore[union-attr]
            await self._forward(key, manifest, intent, placement)

    async def _pump(self, events: AsyncIterator[PodStatus]) -> None:
        assert self.fleet is not None and self.scheduler is not None
        async for status in events:
            key = (status.namespace, status.name)
            if status.phase.completed:
                status = with_cost(status, self.fleet)
                freed = self.scheduler.release(key) is not None
                self._record(status)
                self._events.publish(status)
                if freed:
                    await self._drain()
                self._snapshot_due = True
                continue
            self._record(status)
            self._events.publish(status)

    def _record(self, status: PodStatus) -> None:
        key = (status.namespace, status.name)
        record = self._records.get(key)
        if record is None:
            return
        previous = (record.get("phase"), record.get("message"))
        record.update({"phase": status.phase.value, "reason": status.reason, "message": status.message,
                       "startedAt": status.started_at, "finishedAt": status.finished_at})
        if status.phase.completed:
            record["billedSeconds"] = int(status.annotations.get(BILLED_SECONDS, 0))
            record["cost"] = float(status.annotations.get(COST, 0.0))
            record["containers"] = [{"name": c.name, "exitCode": c.exit_code, "reason": c.reason}
                                    for c in status.containers]
            self._write_record(key)
            self._records.pop(key, None)  # finished: the file is the record now
            return
        if previous != (record["phase"], record["message"]):
            self._write_record(key)

    def _write_record(self, key: Key) -> None:
        record = self._records.get(key)
        if self.records is None or record is None:
            return
        try:
            self.records.write_pod(record)
        except OSError as err:
            log.warning("placement: cannot write the record of pod %s/%s: %s", key[0], key[1], err)

    async def _expire_loop(self) -> None:
        assert self.scheduler is not None and self._wake_expiry is not None
        while not self._closed:
            deadline = self.scheduler.next_deadline()
            timeout = 60.0 if deadline is None else max(0.05, min(60.0, deadline - time.time()))
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await self._wake_expiry.wait()
            self._wake_expiry.clear()
            for key, manifest, intent in self.scheduler.expire(time.time()):
                minutes = int(intent.max_pending_seconds // 60)
                self._own.pop(key, None)
                self._fail(key, manifest, SCHEDULE_FAILED, f"ProviderFailed: the pod stayed Pending longer than "
                           f"eci-max-pending-minute ({minutes} min) waiting for capacity")

    def snapshot(self) -> dict[str, Any]:
        assert self.scheduler is not None and self.fleet is not None
        zones = []
        for st in self.scheduler.states.values():
            z = st.zone
            zones.append({"name": z.name, "provider": z.provider, "serverless": z.serverless,
                          "capacity": {"cpu": z.cpu, "memoryGiB": z.memory_gib, "pods": z.pods},
                          "used": {"cpu": round(st.cpu, 3), "memoryGiB": round(st.memory_gib, 3), "pods": st.pods},
                          "stock": {name: {"total": total, "used": st.stock_used.get(name, 0)}
                                    for name, total in z.stock.items()}})
        return {"pid": os.getpid(), "updated": time.time(), "source": self.fleet.source, "zones": zones,
                "queued": len(self.scheduler)}

    def _write_snapshot(self) -> None:
        if self.records is None or self.scheduler is None:
            return
        with contextlib.suppress(OSError):
            self.records.write_fleet(self.snapshot())
        self._snapshot_due = False

    async def _snapshot_loop(self) -> None:
        while not self._closed:
            if self._snapshot_due:
                await asyncio.to_thread(self._write_snapshot)
            await asyncio.sleep(_SNAPSHOT_EVERY)


__all__ = ["PlacementProvider", "SCHEDULE_FAILED", "WAITING"]
